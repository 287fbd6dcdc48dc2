from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.backup import FORMAT_VERSION, ArchiveFormatError, export_archive


class Command(BaseCommand):
    help = (
        "Write the whole archive (records, citations, participants, publication status, history) as a "
        "Frictionless Data Package: a new directory OUT, or one file if OUT ends in .zip."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", type=Path, help="a directory that does not exist yet, or a name ending in .zip")

    def handle(self, *args, out: Path, **options) -> None:
        try:
            counts = export_archive(out)
        except ArchiveFormatError as error:
            raise CommandError(str(error)) from error
        for name, rows in counts.items():
            self.stdout.write(f"{name}: {rows} rows")
        self.stdout.write(self.style.SUCCESS(f"Exported the archive to {out} (format version {FORMAT_VERSION})."))
