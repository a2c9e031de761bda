"""Make the audit table append-only in the database itself, not only in the ORM."""

from django.db import migrations

from carecircle.privacy.migrations import _triggers


def forwards(apps, schema_editor):
    _triggers.create(schema_editor)


def backwards(apps, schema_editor):
    _triggers.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
