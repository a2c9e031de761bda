import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_public_home_is_open(client):
    assert client.get(reverse("web:public_home")).status_code == 200


@pytest.mark.django_db
def test_home_requires_sign_in(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
