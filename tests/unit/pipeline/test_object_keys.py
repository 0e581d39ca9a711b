import pytest

from lockgate.pipeline.object_keys import UploadKind, classify, decode_key, suggested_key


@pytest.mark.parametrize(
    ("event_key", "decoded"),
    [
        ("raw/credit/my+file.csv", "raw/credit/my file.csv"),
        ("raw/credit/a%2Bb.csv", "raw/credit/a+b.csv"),
        ("raw/credit/100%25.csv", "raw/credit/100%.csv"),
        ("raw/cr%C3%A9dit/%C3%A9t%C3%A9.csv", "raw/crédit/été.csv"),
        ("raw/credit/plain.csv", "raw/credit/plain.csv"),
    ],
)
def test_decode_key_decodes_exactly_once(event_key: str, decoded: str) -> None:
    assert decode_key(event_key) == decoded


def test_single_file_names_its_dataset() -> None:
    raw = classify("raw/credit/2026/applications.csv")
    assert (raw.kind, raw.dataset) == (UploadKind.SINGLE_FILE, "credit")


def test_success_marker_names_the_batch_folder() -> None:
    raw = classify("raw/credit/batch-7/_SUCCESS")
    assert (raw.kind, raw.dataset, raw.prefix) == (UploadKind.MULTIPART_DONE, "credit", "raw/credit/batch-7/")


def test_part_files_wait_for_their_marker() -> None:
    assert classify("raw/credit/batch-7/part-00001.csv").kind is UploadKind.MULTIPART_PART


@pytest.mark.parametrize(
    "key", ["quarantine/credit/a.csv", "raw/credit/", "raw/credit/.hidden", "reports/x.json"]
)
def test_keys_that_start_nothing(key: str) -> None:
    assert classify(key).kind is UploadKind.IGNORED


@pytest.mark.parametrize("key", ["raw/loose.csv", "raw//loose.csv"])
def test_a_file_directly_under_raw_is_unroutable(key: str) -> None:
    assert classify(key).kind is UploadKind.UNROUTABLE
    assert suggested_key(key) == "raw/loose/loose.csv"
