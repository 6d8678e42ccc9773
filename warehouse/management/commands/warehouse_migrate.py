from django.core.management.base import BaseCommand

from warehouse.backends import get_backend
from warehouse.schema import migrate


class Command(BaseCommand):
    help = "Apply the warehouse (ClickHouse / chDB) schema migrations. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        backend = get_backend()
        applied = migrate(backend)
        for migration in applied:
            self.stdout.write(
                f"Applied warehouse migration {migration.version:04d}_{migration.name}"
            )
        if not applied:
            self.stdout.write(f"Warehouse schema is up to date ({backend.name}).")
