"""Example pipeline written by `airflow-aws init`.

Three tasks hand data to each other through XCom; the last one imports the Amazon provider, as most DAGs on AWS
do. It needs no AWS access to run, so it succeeds locally (`airflow-aws dev run-dag example_pipeline`) and on EKS.
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3: the Task SDK is the public authoring interface.
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.9-2.11
    from airflow.decorators import dag, task


@dag(
    dag_id="example_pipeline",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "airflow-aws"],
)
def example_pipeline():
    @task
    def extract() -> list[int]:
        return [3, 1, 4, 1, 5, 9, 2, 6]

    @task
    def transform(values: list[int]) -> dict[str, float]:
        return {"count": len(values), "total": sum(values), "mean": sum(values) / len(values)}

    @task
    def load(summary: dict[str, float]) -> str:
        # A provider import, resolved inside the task like any real DAG would.
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        key = f"summaries/{S3Hook.__name__.lower()}-{int(summary['total'])}.json"
        print(f"would write {summary} to {key}")
        return key

    load(transform(extract()))


example_pipeline()
