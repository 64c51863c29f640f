"""The retrain gate end to end: a real, small retrain on a temporary registry seeded with the
shipped adapter. Receipts whose labels were scrambled (company <-> address, date <-> total, as a
careless export would) are flagged before training and the candidate is refused with a reason
naming the receipt schema; the same receipts labelled correctly are not refused for noise.

The receipts are made here from hand-written parts (no public data); the dev set is the shipped
hand-made receipts. The scrambled retrain runs a few steps at a high learning rate, so that a wrong lesson
shows; the correct one runs at the product's retrain rate.
"""

import json
from pathlib import Path

import pytest

from finx.adapters.registry import AdapterRegistry
from finx.training.retrain import DEFAULT_DEV, retrain

pytestmark = pytest.mark.slow
SHOPS = [
    ("KEDAI MAJU JAYA", "NO 12, JALAN BESAR, 43000 KAJANG, SELANGOR", "12/01/2019", "23.40"),
    ("PASAR MINI SRI INDAH", "LOT 5, JALAN INDAH 2, 81200 JOHOR BAHRU", "03/02/2019", "7.85"),
    ("RESTORAN NASI KANDAR ALI", "88, JALAN TUN RAZAK, 50400 KUALA LUMPUR", "21/03/2019", "31.00"),
    ("SYARIKAT PERABOT TEGUH", "NO 3, JALAN PERUSAHAAN 1, 14000 BUKIT MERTAJAM", "09/04/2019", "412.50"),
    ("KEDAI RUNCIT AH SENG", "27, JALAN PASAR, 30000 IPOH, PERAK", "15/05/2019", "12.10"),
    ("BAKERI ROTI SEGAR", "NO 9, JALAN MELATI, 70200 SEREMBAN", "30/06/2019", "18.60"),
    ("FARMASI SIHAT SENTIASA", "LOT 14, JALAN KENANGA, 25000 KUANTAN", "02/07/2019", "54.90"),
    ("HARDWARE JAYA MAKMUR", "NO 41, JALAN KILANG, 41050 KLANG", "18/08/2019", "96.00"),
    ("KEDAI BUKU ILMU", "6, JALAN SEKOLAH, 75000 MELAKA", "11/09/2019", "39.90"),
    ("STESEN MINYAK HIJAU", "KM 8, JALAN KUALA SELANGOR, 47000 SUNGAI BULOH", "25/10/2019", "60.00"),
    ("KEDAI MAKAN SELERA KAMPUNG", "NO 2, JALAN DESA, 08000 SUNGAI PETANI", "07/11/2019", "15.30"),
    ("PUSAT CETAK PANTAS", "17, JALAN NIAGA, 88000 KOTA KINABALU", "19/12/2019", "8.00"),
]


def receipt_text(company: str, address: str, date: str, total: str) -> str:
    return (
        f"{company}\n(CO. NO 0012345-X)\n{address}\nTEL : 03-1234 5678\nCASH BILL\nDATE : {date}  TIME : 14:05\n"
        f"ITEM QTY AMOUNT\nBARANG 1 {total}\nTOTAL : {total}\nCASH : 500.00\nTHANK YOU, PLEASE COME AGAIN"
    )


def write_receipts(path: Path, scrambled: bool) -> Path:
    lines = []
    for index, (company, address, date, total) in enumerate(SHOPS):
        target = {"company": company, "date": date, "address": address, "total": total}
        if scrambled:  # the date stays: a total as the date no longer fits the schema (a date's shape)
            target = {"company": address, "date": date, "address": company, "total": date}
        record = {"id": f"new/receipt/{index:02d}", "schema": "receipt", "target": target,
                  "text": receipt_text(company, address, date, total)}  # fmt: skip
        lines.append(json.dumps(record) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def gate_setup(tmp_path: Path) -> tuple[AdapterRegistry, Path, Path]:
    registry = AdapterRegistry(tmp_path / "registry")  # seeded with the shipped adapter as current
    registry.manifests()
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "receipt.jsonl").write_text((DEFAULT_DEV / "receipt.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "retrain.yaml"
    config.write_text(
        "output_dir: runs/retrain\nsources: []\nlora: {r: 16, alpha: 32, dropout: 0.0, target_modules: all-linear}\n"
        "max_length: 1024\nbatch_size: 2\ngradient_accumulation_steps: 1\nlearning_rate: 0.001\nepochs: 3\n"
        "warmup_ratio: 0.0\nlogging_steps: 5\nsave_steps: 1000\nseed: 0\nempty_chunk_fraction: 0.0\n"
    )
    return registry, dev, config


def test_a_scrambled_label_retrain_is_refused_naming_the_receipt_schema(gate_setup, tmp_path):
    registry, dev, config = gate_setup
    current = registry.current()[0]
    messages: list[str] = []
    outcome = retrain(
        write_receipts(tmp_path / "scrambled.jsonl", scrambled=True), registry, config, dev=dev, notify=messages.append
    )
    assert outcome.label_issues, "scrambled labels are listed before training"
    assert any("suspicious labels" in message for message in messages)
    assert not outcome.promoted, outcome.reason
    assert "receipt" in outcome.reason.split(" drops ")[0], outcome.reason
    assert registry.current()[0] == current
    assert outcome.version is not None  # registered with its report, not served


def test_a_correct_retrain_is_not_refused_for_noise(gate_setup, tmp_path):
    registry, dev, config = gate_setup
    # at the product's retrain rate (configs/retrain.yaml: 1e-4, 2 passes); the scrambled test's 1e-3
    # x 3 passes, there to make a wrong lesson show, also overfits right labels of one format
    config.write_text(config.read_text().replace("learning_rate: 0.001\nepochs: 3", "learning_rate: 0.0001\nepochs: 2"))
    assert "learning_rate: 0.0001" in config.read_text()
    outcome = retrain(write_receipts(tmp_path / "correct.jsonl", scrambled=False), registry, config, dev=dev)
    assert outcome.label_issues == []
    assert outcome.promoted, (outcome.reason, outcome.current_scores, outcome.candidate_scores)
    assert set(outcome.candidate_scores) == {"finx-dev/receipt", "held-back/receipt"}
