"""Create the audit chain's head with the database, so that a trail whose head and rows were
all deleted is reported as broken instead of looking like a fresh install."""

from django.conf import settings
from django.db import migrations

from carecircle.privacy import chain


def create_head(apps, schema_editor):
    head_model = apps.get_model("privacy", "AuditChainHead")
    if not head_model.objects.filter(pk=1).exists():
        key = str(settings.AUDIT_HMAC_KEY).encode()
        head_model.objects.create(
            pk=1, last_seq=0, last_hash=chain.GENESIS, mac=chain.head_mac(key, 0, chain.GENESIS)
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_audit_append_only")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
