"""The audit log's tenant id holds what every other part of Sightline accepts: 128 characters
(core.limits). Sessions could once be issued for longer tenant ids (no event can carry one, so
they never showed data); their entries keep the first 128 characters."""

from django.db import migrations, models
from django.db.models.functions import Length, Left

MAX_TENANT_ID_LENGTH = 128  # core.limits at the time of this migration


def shorten(apps, schema_editor) -> None:
    AuditLogEntry = apps.get_model("embeds", "AuditLogEntry")
    AuditLogEntry.objects.annotate(length=Length("tenant_id")).filter(
        length__gt=MAX_TENANT_ID_LENGTH
    ).update(tenant_id=Left("tenant_id", MAX_TENANT_ID_LENGTH))


class Migration(migrations.Migration):
    dependencies = [("embeds", "0003_revocation_version")]

    operations = [
        migrations.RunPython(shorten, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditlogentry",
            name="tenant_id",
            field=models.CharField(blank=True, max_length=MAX_TENANT_ID_LENGTH),
        ),
    ]
