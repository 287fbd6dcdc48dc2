"""`manage.py create_editor <username>`: a staff account in the Editors group (or Readers)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

EDITORS = "Editors"
READERS = "Readers"
PASSWORD_VARIABLE = "EDITOR_PASSWORD"
# token_urlsafe(n) gives about 1.3 n characters: 24 characters, 144 random bits.
GENERATED_PASSWORD_BYTES = 18


class Command(BaseCommand):
    help = (
        "Create a staff account in the Editors group (Readers with --reader). The password is "
        f"taken from ${PASSWORD_VARIABLE}, or generated and printed once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="The editor's e-mail address.")
        parser.add_argument(
            "--reader", action="store_true", help="Put the account in Readers: it sees drafts and changes nothing."
        )

    def handle(self, *args, username: str, email: str, reader: bool, **options) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(
                f"There is already an account called “{username}”. Choose another name, or change that "
                "account's groups in the admin (Users) as a superuser."
            )
        group_name = READERS if reader else EDITORS
        try:
            group = Group.objects.get(name=group_name)
        except Group.DoesNotExist as error:
            raise CommandError(
                f"The group “{group_name}” does not exist yet: run `manage.py migrate` first."
            ) from error

        given_password = os.environ.get(PASSWORD_VARIABLE, "")
        password = given_password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        user = user_model(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"{PASSWORD_VARIABLE} is too weak: {' '.join(error.messages)}") from error

        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(group)

        role = "reader" if reader else "editor"
        self.stdout.write(self.style.SUCCESS(f"Created the {role} “{username}” (staff, group {group_name})."))
        if given_password:
            self.stdout.write(f"The password is the one in ${PASSWORD_VARIABLE}.")
        else:
            self.stdout.write(f"One-time password, shown only now: {password}")
            self.stdout.write("Pass it on privately; after signing in at /admin/, change it under “Change password”.")
