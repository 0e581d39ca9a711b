from lockgate.pipeline.starter import Unroutable, plan_ingest


def test_plan_decodes_the_key_and_keeps_the_identity() -> None:
    plan = plan_ingest("bucket", "raw/credit/my+file%2B1.csv", 10, "etag1", "v1")
    assert plan is not None
    assert plan.key == "raw/credit/my file+1.csv"
    assert plan.as_input() == {
        "bucket": "bucket",
        "key": "raw/credit/my file+1.csv",
        "version_id": "v1",
        "etag": "etag1",
        "size": 10,
        "dataset": "credit",
        "kind": "single_file",
        "prefix": "",
    }


def test_without_versioning_the_etag_names_the_execution() -> None:
    one = plan_ingest("bucket", "raw/credit/a.csv", 10, "etag1", None)
    two = plan_ingest("bucket", "raw/credit/a.csv", 10, "etag2", None)
    assert one is not None and two is not None
    assert one.execution_name != two.execution_name


def test_part_files_and_folders_start_nothing() -> None:
    assert plan_ingest("bucket", "raw/credit/b1/part-0001.csv", 1, "e", "v") is None
    assert plan_ingest("bucket", "raw/credit/", 0, "e", "v") is None


def test_success_marker_plans_a_multipart_ingest() -> None:
    plan = plan_ingest("bucket", "raw/credit/b1/_SUCCESS", 0, "e", "v")
    assert plan is not None and (plan.kind, plan.prefix) == ("multipart_done", "raw/credit/b1/")


def test_a_key_naming_no_dataset_is_unroutable_with_a_message_saying_where_it_goes() -> None:
    plan = plan_ingest("bucket", "raw/credit.csv", 10, "e", "v1")
    assert isinstance(plan, Unroutable)
    again = plan_ingest("bucket", "raw/credit.csv", 10, "e", "v1")
    assert again == plan and isinstance(again, Unroutable) and again.name == plan.name
    _subject, body = plan.message()
    assert "s3://bucket/raw/credit.csv" in body and "s3://bucket/raw/credit/credit.csv" in body
