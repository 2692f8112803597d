"""Create the Airflow admin user (FAB auth manager) if it does not exist yet.

The password is read from the file named by AIRFLOW_ADMIN_PASSWORD_FILE (a mounted Secret) or from
AIRFLOW_ADMIN_PASSWORD — never from argv, where `ps` and shell history would show it (`airflow users create -p`
takes it as an argument). Idempotent: an existing user is left unchanged. Used by the image entrypoint.

Other knobs: AIRFLOW_ADMIN_USERNAME (admin), AIRFLOW_ADMIN_EMAIL (admin@example.com),
AIRFLOW_ADMIN_FIRSTNAME (Airflow), AIRFLOW_ADMIN_LASTNAME (Admin).
"""

import argparse
import os
import sys


def read_password() -> str:
    path = os.environ.get("AIRFLOW_ADMIN_PASSWORD_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                password = f.read().rstrip("\r\n")
        except OSError as e:
            sys.exit(f"[create-admin] error: cannot read AIRFLOW_ADMIN_PASSWORD_FILE {path}: {e.strerror}")
    else:
        password = os.environ.get("AIRFLOW_ADMIN_PASSWORD", "")
    if not password:
        sys.exit("[create-admin] error: set AIRFLOW_ADMIN_PASSWORD_FILE (preferred) or AIRFLOW_ADMIN_PASSWORD")
    return password


def main() -> int:
    password = read_password()
    import importlib.metadata

    major = int(importlib.metadata.version("apache-airflow").split(".")[0])
    if major >= 3:
        from airflow.configuration import conf

        manager = conf.get("core", "auth_manager")
        if "FabAuthManager" not in manager:
            sys.exit(
                f"[create-admin] error: the auth manager is {manager}; admin users exist only with FAB "
                "(AIRFLOW__CORE__AUTH_MANAGER=airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager)"
            )
    # The same function `airflow users create` runs, called with the password as data instead of argv.
    from airflow.providers.fab.auth_manager.cli_commands.user_command import users_create

    users_create(
        argparse.Namespace(
            username=os.environ.get("AIRFLOW_ADMIN_USERNAME", "admin"),
            email=os.environ.get("AIRFLOW_ADMIN_EMAIL", "admin@example.com"),
            firstname=os.environ.get("AIRFLOW_ADMIN_FIRSTNAME", "Airflow"),
            lastname=os.environ.get("AIRFLOW_ADMIN_LASTNAME", "Admin"),
            role="Admin",
            password=password,
            use_random_password=False,
            verbose=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
