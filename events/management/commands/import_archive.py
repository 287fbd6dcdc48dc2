from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.backup import ArchiveFormatError, import_archive


class Command(BaseCommand):
    help = (
        "Restore an archive written by export_archive into a database whose archive tables are empty "
        "(run migrate first). Everything is imported in one transaction, or nothing is."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", type=Path, help="the package directory, its datapackage.json, or a .zip file")

    def handle(self, *args, source: Path, **options) -> None:
        try:
            counts = import_archive(source)
        except ArchiveFormatError as error:
            raise CommandError(str(error)) from error
        for name, rows in counts.items():
            self.stdout.write(f"{name}: {rows} rows")
        self.stdout.write(self.style.SUCCESS(f"Imported the archive from {source}."))
