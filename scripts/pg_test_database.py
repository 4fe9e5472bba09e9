"""Create or drop a throw-away PostgreSQL database for one test run (trust auth, as in CI)."""

from __future__ import annotations

import os
import sys
import uuid

import psycopg

SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    action = sys.argv[1]
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as connection:
            if action == "create":
                name = f"aftersales_test_{uuid.uuid4().hex[:10]}"
                connection.execute(f'CREATE DATABASE "{name}"')
                print(
                    SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
                    + f"/{name}"
                )
            else:
                name = sys.argv[2].rsplit("/", 1)[1]
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL unavailable: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
