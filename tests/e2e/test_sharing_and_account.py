"""Browser tests of issue 14 (Chromium): a report shared by link and read without signing in, then revoked;
a forgotten password reset through the e-mail caught by the suite's SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import (
    PASSWORD,
    Server,
    _start_server,
    api_scan,
    api_user,
    log_in,
    new_page,
    shot,
    unique_email,
)
from tests.notifications.support import MailCatcher, text_and_html

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, mail: MailCatcher) -> Iterator[Server]:
    """A server that sends its e-mails to the suite's SMTP server (links use the address it is reached at)."""
    yield from _start_server(tmp_path_factory.mktemp("housescan-e2e-mail"), {"HOUSESCAN_SMTP_URL": mail.url})


def test_a_shared_report_opens_without_signing_in_until_it_is_revoked(browser: object, mail_server: Server) -> None:
    email = unique_email("sharer")
    headers = api_user(mail_server, email)
    scan_id = api_scan(mail_server, headers, rooms=2, address="14 Maple Grove")

    owner_context, owner, owner_console = new_page(browser, mail_server)
    try:
        log_in(owner, email)
        owner.goto(f"/scans/{scan_id}")
        owner.get_by_role("button", name="Share").click()
        dialog = owner.get_by_role("dialog", name="Share this report")
        dialog.get_by_role("button", name="Create link").click()
        link = dialog.get_by_label("Share link")
        link.wait_for()
        url = link.input_value()
        assert re.fullmatch(re.escape(mail_server.base_url) + r"/shared/[A-Za-z0-9_\-]{43}", url), url
        dialog.get_by_role("button", name="Revoke").wait_for()
        shot(owner, "share-dialog")

        # A fresh browser: no session, no stored tokens.
        guest_context, guest, guest_console = new_page(browser, mail_server)
        try:
            guest.goto(url)
            guest.get_by_role("heading", name="14 Maple Grove").wait_for()
            assert guest.get_by_text("Shared inspection report, read-only").is_visible()
            photos = guest.locator(".shared-report .photo-strip img")
            photos.first.wait_for()
            assert photos.count() == 2
            # Each photo loads through the link (a broken one never gets a width: this wait fails).
            guest.wait_for_function(
                "() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)"
            )
            for control in ("Share", "Delete", "Edit", "Save", "Add finding"):
                assert guest.get_by_role("button", name=control).count() == 0, control
            assert "cost" not in guest.locator("main, #root").first.inner_text().lower()
            assert guest.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
            assert guest.evaluate("() => localStorage.getItem('housescan.tokens')") is None
            shot(guest, "shared-report")

            dialog.get_by_role("button", name="Revoke").click()
            dialog.get_by_role("button", name="Revoke this link").click()  # revoking asks first
            dialog.get_by_text("No active links.").wait_for()

            guest.reload()
            guest.get_by_role("heading", name="Link expired or revoked").wait_for()
            shot(guest, "shared-report-revoked")
            guest_console.allow("404")
            assert guest_console.unexpected() == []
        finally:
            guest_context.close()
        assert owner_console.unexpected() == []
    finally:
        owner_context.close()


def test_a_forgotten_password_is_reset_from_the_email(browser: object, mail_server: Server, mail: MailCatcher) -> None:
    email = unique_email("forgetful")
    api_user(mail_server, email)
    context, page, console = new_page(browser, mail_server)
    try:
        page.goto("/login")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send reset link").click()
        page.get_by_role("status").filter(has_text="is on its way").wait_for()

        [message] = mail.wait_for_blocking(email)
        text, _html = text_and_html(message)
        match = re.search(r"(http://127\.0\.0\.1:\d+/reset-password\?token=[A-Za-z0-9_\-]+)", text)
        assert match, text
        assert match.group(1).startswith(mail_server.base_url)

        page.goto(match.group(1))
        page.get_by_label("New password", exact=True).fill("a brand new password")
        page.get_by_label("Repeat the new password").fill("a brand new password")
        page.get_by_role("button", name="Set new password").click()
        page.get_by_role("status").filter(has_text="Your password has been changed").wait_for()
        shot(page, "password-reset-done")

        page.get_by_role("link", name="Log in").first.click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("That email and password do not match an account.").wait_for()
        console.allow("401")
        log_in(page, email, "a brand new password")
        assert console.unexpected() == []
    finally:
        context.close()


def test_settings_offer_notifications_download_and_delete(browser: object, mail_server: Server) -> None:
    email = unique_email("settler")
    api_user(mail_server, email)
    context, page, console = new_page(browser, mail_server)
    try:
        log_in(page, email)
        page.goto("/settings")
        page.get_by_role("heading", name="Notifications").wait_for()
        email_box = page.get_by_label("E-mail me")
        assert email_box.is_checked()  # on by default: this server has a mail server
        email_box.click()  # saved on the server, then shown: the box follows the answer
        page.wait_for_function("() => !document.querySelector('input[type=checkbox]').checked")
        page.reload()
        page.get_by_label("Push notification on my devices").wait_for()
        assert not page.get_by_label("E-mail me").is_checked()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download my data").click()
        path = Path(download.value.path())
        assert path.read_bytes()[:2] == b"PK"
        delete_form = page.get_by_role("form", name="Delete account")
        delete_form.get_by_label("Password", exact=True).fill(PASSWORD)
        # The confirmation is part of the form (no browser dialog), asked for with the password.
        delete_form.get_by_role("checkbox", name=re.compile("cannot be undone")).check()
        delete_form.get_by_role("button", name="Delete my account").click()
        page.get_by_role("heading", name="Log in").wait_for()
        page.get_by_role("status").filter(has_text="Your account and its data were deleted.").wait_for()
        assert urlparse(page.url).path == "/login" and urlparse(page.url).query == ""
        assert console.unexpected() == []
    finally:
        context.close()
