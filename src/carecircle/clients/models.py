"""The minimal client record the foundation needs to prove the privacy policy.

The client registry issue grows this into full records, care plans and notes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.partners.models import Organization
from carecircle.privacy.models import DataClass, Person


class Client(models.Model):
    """A person a partner serves, known by the name they choose or only by a code."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="client")
    preferred_name = models.CharField(_("preferred name"), max_length=120, blank=True)
    identifier_code = models.CharField(_("identifier code"), max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["identifier_code"])]

    def __str__(self) -> str:
        return self.preferred_name or self.identifier_code or str(self.person_id)[:8]


class ClientEntry(models.Model):
    """One labelled piece of a client's record; its data class decides who may read it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="entries")
    data_class = models.CharField(
        _("kind of information"), max_length=32, choices=DataClass.choices
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("entry"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "data_class"])]
        verbose_name_plural = _("client entries")

    def __str__(self) -> str:
        return f"{self.get_data_class_display()} entry"
