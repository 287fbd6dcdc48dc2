"""`manage.py import_recognitions FILE.csv [--dry-run]`: large spreadsheets of recognitions,
validated exactly as the admin's import validates them, written all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from import_export.formats.base_formats import CSV, XLSX
from tqdm import tqdm

from events.resources import RecognitionResource, import_report

FORMATS = {".csv": CSV, ".xlsx": XLSX}


def read_dataset(path: Path):
    """The file as a tablib Dataset; CSV is read as UTF-8 (a byte-order mark is fine)."""
    try:
        file_format = FORMATS[path.suffix.lower()](encoding="utf-8-sig")
    except KeyError as error:
        raise CommandError(f"{path.name}: give a .csv or .xlsx file.") from error
    try:
        return file_format.create_dataset(path.read_bytes())
    except FileNotFoundError as error:
        raise CommandError(f"There is no file {path}.") from error
    except Exception as error:
        raise CommandError(f"Cannot read {path.name} as {path.suffix.lower()[1:].upper()}: {error}") from error


class ProgressStream:
    """tqdm redraws its bar with carriage returns; a command's stderr would end every write with a newline."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Import recognitions from a CSV or XLSX file with the admin's columns and checks. "
        "One transaction: nothing is written if any row has an error, or with --dry-run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        parser.add_argument("--user", help="Record the changes in the history under this account's name.")

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options) -> None:
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"There is no account called “{user}”.")
        dataset = read_dataset(file)
        if not dataset.headers:
            raise CommandError(f"{file.name} has no header row.")

        with tqdm(
            total=len(dataset),
            unit="row",
            desc=file.name,
            file=ProgressStream(self.stderr),
            disable=options["verbosity"] == 0,
        ) as progress:
            resource = RecognitionResource(on_row=progress.update)
            result = resource.import_data(
                dataset,
                dry_run=dry_run,
                use_transactions=True,
                rollback_on_validation_errors=True,
                file_name=file.name,
                user=account,
            )
        report = import_report(result)

        for problem in report.problems:
            where = f"row {problem.row}" if problem.row else "file"
            if problem.column:
                where += f", column {problem.column}"
            self.stdout.write(f"{where}: {problem.message}")
        if report.ignored_columns:
            self.stdout.write(f"Columns not imported (unknown to the archive): {', '.join(report.ignored_columns)}")
        written = report.ok and not dry_run
        self.stdout.write(report.summary(written=written))
        if not report.ok:
            raise CommandError("Nothing was written: correct the rows above and run the command again.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
