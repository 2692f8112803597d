"""Wait, bounded, until Airflow's metadata database accepts a connection.

Reads the connection the way Airflow does (so *_CMD and *_SECRET variants work), retries until the deadline and,
on timeout, prints the last error and exits 1. Used by the airflow-aws image entrypoint.
"""

import argparse
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()

    from airflow.configuration import conf
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(conf.get("database", "sql_alchemy_conn"))
    shown = repr(url)  # SQLAlchemy hides the password in repr()
    if url.get_backend_name() == "sqlite":
        return 0

    deadline = time.monotonic() + args.timeout
    attempt = 0
    last_error = "no attempt made"
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        connect_args = {}
        if url.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = max(1, min(5, int(remaining)))
        try:
            engine = create_engine(url, connect_args=connect_args)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            print(f"[wait-for-db] database {shown} is reachable (attempt {attempt})", file=sys.stderr)
            return 0
        except Exception as e:  # noqa: BLE001 - any driver error means "not yet"
            last_error = f"{type(e).__name__}: {str(e).strip()}"
            first_line = last_error.splitlines()[0] if last_error else ""
            print(f"[wait-for-db] attempt {attempt}: {first_line}", file=sys.stderr)
        if time.monotonic() + args.interval >= deadline:
            break
        time.sleep(args.interval)
    print(
        f"[wait-for-db] error: database {shown} not reachable within {args.timeout:g}s "
        f"({attempt} attempts). Last error:\n{last_error}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
