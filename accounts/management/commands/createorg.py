import json

from django.core.management.base import BaseCommand, CommandParser

from accounts.services import organization_create


class Command(BaseCommand):
    help = (
        "Create an organization and its owner; "
        'prints {"org_id", "admin_key", "ingest_key"} as JSON.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument(
            "--owner-password",
            default=None,
            help="Without it the owner resets the password by e-mail.",
        )

    def handle(
        self,
        *args: object,
        name: str,
        owner_email: str,
        owner_password: str | None,
        **options: object,
    ) -> None:
        created = organization_create(
            name=name, owner_email=owner_email, owner_password=owner_password
        )
        self.stdout.write(
            json.dumps(
                {
                    "org_id": created.organization.id,
                    "admin_key": created.admin_key.secret,
                    "ingest_key": created.ingest_key.secret,
                }
            )
        )
