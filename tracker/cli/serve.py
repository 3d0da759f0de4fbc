"""`tracker serve` (the web face on uvicorn) and `tracker users ...` (accounts and API tokens)."""

from __future__ import annotations

import os
from typing import Any

import click

from tracker.cli.context import CliContext
from tracker.errors import ConfigurationError

__all__ = ["serve", "users"]


@click.command()
@click.option("--host", default=None, help="Address to listen on [TRACKER_WEB_HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port [TRACKER_WEB_PORT or 8000].")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes [TRACKER_WEB_WORKERS or 1]; more than one needs PostgreSQL.")
@click.option("--public/--no-public", "public_read", default=None,
              help="Let anyone read without logging in (read-only) [TRACKER_WEB_PUBLIC_READ or no].")
@click.pass_obj
def serve(obj: CliContext, host: str | None, port: int | None, workers: int | None, public_read: bool | None) -> None:
    """Serve the site and the HTTP API (uvicorn): pages at /, the API and its OpenAPI document under /api/v1."""
    import uvicorn

    from tracker.web.settings import WebSettings

    given: dict[str, Any] = {"host": host, "port": port, "workers": workers, "public_read": public_read}
    web = WebSettings(**{k: v for k, v in given.items() if v is not None})
    settings = obj.settings
    if web.workers > 1 and not settings.is_postgres:
        # SQLite serialises every writer on one file lock: several processes only queue behind it.
        raise ConfigurationError(
            f"workers: several server processes need PostgreSQL; {settings.describe()} serves one "
            f"(value: {web.workers})"
        )
    accounts = _accounts(obj)  # creates every table (or fails with a clear message) before any worker starts
    if not web.public_read and not accounts.users():
        click.echo("No account yet: create one with `tracker users add NAME --role admin`, "
                   "or serve read-only to anyone with `tracker serve --public`.", err=True)
    os.environ["TRACKER_DATABASE_URL"] = settings.database_url
    os.environ["TRACKER_WEB_PUBLIC_READ"] = "true" if web.public_read else "false"
    os.environ["TRACKER_WEB_PAGE_SIZE"] = str(web.page_size)
    click.echo(f"Serving {settings.describe()} on http://{web.host}:{web.port} ({web.workers} worker(s))", err=True)
    uvicorn.run("tracker.web.app:create_app_from_env", factory=True, host=web.host, port=web.port,
                workers=web.workers, proxy_headers=True, log_level="warning", server_header=False)


@click.group()
def users() -> None:
    """Accounts (reader, editor, reviewer, admin) and API tokens of the web face."""


def _accounts(obj: CliContext):  # type: ignore[no-untyped-def]
    from tracker.web.auth import Accounts

    tracker = obj.tracker()
    accounts = Accounts(tracker.engine, obj.settings.database_url)
    accounts.ensure_schema()
    return accounts


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["reader", "editor", "reviewer", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters (prompted when not given; TRACKER_PASSWORD also works).",
              envvar="TRACKER_PASSWORD")
@click.pass_obj
def users_add(obj: CliContext, username: str, role: str, password: str) -> None:
    """Create an account."""
    _accounts(obj).add_user(username, password, role)
    click.echo(f"Added {username} ({role})")


@users.command("list")
@click.pass_obj
def users_list(obj: CliContext) -> None:
    """List accounts and their API tokens (never the secrets)."""
    accounts = _accounts(obj)
    for username, role, created in accounts.users():
        click.echo(f"{username}\t{role}\tsince {created:%Y-%m-%d}")
    for t in accounts.tokens():
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"token {t.token_id}\t{t.username}\t{t.role}\t{state}\t{t.label}")


@users.command("token")
@click.argument("username")
@click.option("--role", type=click.Choice(["reader", "editor", "reviewer", "admin"]), required=True,
              help="What the token may do (no more than the account).")
@click.option("--label", default="", help="What the token is for.")
@click.pass_obj
def users_token(obj: CliContext, username: str, role: str, label: str) -> None:
    """Create an API token; it is printed once and stored only hashed."""
    click.echo(_accounts(obj).create_token(username, role, label))


@users.command("revoke")
@click.argument("token_id")
@click.pass_obj
def users_revoke(obj: CliContext, token_id: str) -> None:
    """Revoke an API token by its id (the part after trk_, before the next _)."""
    _accounts(obj).revoke_token(token_id)
    click.echo(f"Revoked {token_id}")
