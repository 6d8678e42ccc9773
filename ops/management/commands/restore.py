"""`manage.py restore DIR`: a backup of `manage.py backup` into this installation (ops.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup directory: PostgreSQL (pg_restore --clean), then the events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: object, directory: Path, **options: object) -> None:
        try:
            summary = backup_restore(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {summary.directory}: {summary.events} events")
