"""The project's credentials, exported for offline checking, verified by an independent and
widely used implementation: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022
cryptosuite, run by node. Installed once per machine under the var directory; under CI it must
run (a missing npm is a failure, not a skip)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from learningcity.credentials import proofs, services
from learningcity.credentials.tests.factories import issue
from learningcity.network.tests.factories import City

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="session")
def node_verifier() -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are needed for the independent verifier test")
        pytest.skip("node/npm not installed")
    target = Path(settings.VAR_DIR) / "node"
    target.mkdir(parents=True, exist_ok=True)
    wanted = (NODE_DIR / "package.json").read_text()
    stamp = target / ".installed"
    if not stamp.exists() or stamp.read_text() != wanted:
        (target / "package.json").write_text(wanted)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            check=True,
            timeout=600,
        )
        stamp.write_text(wanted)
    shutil.copy(NODE_DIR / "verify.mjs", target / "verify.mjs")
    return target


def node_verify(node_dir: Path, credential: Path, docs: Path) -> dict[str, Any]:
    contexts = Path(proofs.CONTEXTS_DIR)
    done = subprocess.run(
        ["node", str(node_dir / "verify.mjs"), str(credential), str(docs), str(contexts)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.django_db
def test_exported_credentials_verify_with_an_independent_verifier(
    city: City, node_verifier: Path, tmp_path: Path
) -> None:
    learner = "3e5b3c1a-8f0e-4b7a-9d1c-2a6f4e8b9c07"
    plain = issue(city, learner_public_id=learner)
    tricky = issue(
        city,
        learner_public_id=learner,
        name='控制字符 line\nbreak\ttab\x0bvt\x7fdel "quoted" \\ back',
        credits="2.5",
    )
    revoked = issue(city, learner_public_id=learner)
    services.credential_revoke(actor=city.root, public_id=revoked.public_id, reason="error")
    services.issuer_key_rotate(actor=city.root, issuer_code=city.a.college.code)
    after_rotation = issue(city, learner_public_id=learner)
    from learningcity.core import clock
    from learningcity.credentials.data import TranscriptData

    clr = services.transcript_issue(
        actor=city.root,
        issuer_code=city.a.college.code,
        transcript=TranscriptData(
            learner_public_id=learner,
            learner_name="王秀英",
            name="Transcript",
            description="All of it",
            valid_from=clock.now(),
            credential_ids=(str(plain.public_id), str(tricky.public_id)),
        ),
    )
    out = tmp_path / "export"
    call_command("credentials", "export", "--out", str(out), "--learner", learner)

    for credential in (plain, tricky, after_rotation, clr):
        outcome = node_verify(node_verifier, out / f"{credential.public_id}.json", out / "docs")
        assert outcome["verified"], (credential.name, outcome)

    outcome = node_verify(node_verifier, out / f"{revoked.public_id}.json", out / "docs")
    assert outcome == {"verified": False, "revoked": True, "error": outcome["error"]}

    tampered = json.loads((out / f"{plain.public_id}.json").read_text())
    tampered["credentialSubject"]["result"][0]["value"] = "100"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    outcome = node_verify(node_verifier, tmp_path / "tampered.json", out / "docs")
    assert not outcome["verified"]
    assert not outcome["revoked"]


@pytest.mark.django_db
def test_export_writes_credentials_and_self_identified_documents(
    city: City, tmp_path: Path
) -> None:
    credential = issue(city)

    call_command("credentials", "export", "--out", str(tmp_path), "--limit", "5")

    assert (tmp_path / f"{credential.public_id}.json").read_text() == credential.document
    docs = [json.loads(p.read_text()) for p in sorted((tmp_path / "docs").glob("*.json"))]
    ids = {d["id"] for d in docs}
    signed = json.loads(credential.document)
    assert signed["issuer"]["id"] in ids
    assert signed["credentialStatus"]["statusListCredential"] in ids


@pytest.mark.django_db
def test_the_verify_command_works_offline_from_exported_documents(
    city: City, tmp_path: Path
) -> None:
    credential = issue(city)
    call_command("credentials", "export", "--out", str(tmp_path))

    call_command(
        "credentials",
        "verify",
        str(tmp_path / f"{credential.public_id}.json"),
        "--docs",
        str(tmp_path / "docs"),
    )
    services.credential_revoke(actor=city.root, public_id=credential.public_id, reason="x")
    with pytest.raises(Exception, match="revoked"):
        call_command("credentials", "verify", str(tmp_path / f"{credential.public_id}.json"))
