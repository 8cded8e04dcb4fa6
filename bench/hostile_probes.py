"""Hostile and broken inputs through the CLI and the package, one line each: held or failed (issue #33's defects).

Run: ``.venv/bin/python bench/hostile_probes.py``. Every probe builds its own input in a temporary folder (nothing
read from data folders), runs what an analyst would run, and checks the outcome an independent prober checks: no
traceback, no formula, no lost column, no raw markup, no key, no 0-byte file, a failure that says so. It prints one
line per probe and exits 1 when any failed. About 2 minutes on 2 cores (a few CLI starts load the default model).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS: list[tuple[str, bool, str]] = []


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emotion", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def probe(name: str):
    def register(check):
        try:
            held, detail = check()
        except Exception as error:  # a probe that crashes is a failure to report, not a crash of the script
            held, detail = False, f"{type(error).__name__}: {error}"
        RESULTS.append((name, held, detail))
        print(f"{'held' if held else 'FAILED':<7} {name}: {detail}", flush=True)
        return check

    return register


def no_traceback(done: subprocess.CompletedProcess) -> bool:
    return "Traceback" not in done.stderr + done.stdout


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    os.environ["EMOTION_RUNS_DB"] = str(tmp / "runs.sqlite")
    os.environ["EMOTION_CACHE_DIR"] = os.environ.get("EMOTION_CACHE_DIR", str(Path.home() / ".cache" / "emotion"))
    evil_header = '=HYPERLINK("http://evil.example","x")'
    feedback = pd.DataFrame(
        {
            "comment": ["The parcel is late again, I am furious.", "Thank you, lovely staff!", "Where is my refund?"]
            * 4,
            evil_header: ["a"] * 12,
            "status": ["open"] * 12,
            "language": ["mine"] * 12,
            "no_emotion": ["user value"] * 12,
            "encoder-fast_label": ["user label"] * 12,
        }
    )
    source = tmp / "feedback.csv"
    feedback.to_csv(source, index=False)

    @probe("2. a formula as a column name (XLSX and CSV downloads)")
    def _():
        notes = []
        for suffix in ("xlsx", "csv"):
            out = tmp / f"labelled.{suffix}"
            done = cli("label", source, "--text-column", "comment", "--output", out)
            if done.returncode != 0:
                return False, f"label exited {done.returncode}: {done.stderr.strip()[-200:]}"
            if suffix == "xlsx":
                import openpyxl

                sheet = openpyxl.load_workbook(out).active
                headers = [cell.value for cell in sheet[1]]
                formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
                if formulas or any(str(h).startswith("=") for h in headers):
                    return False, f"XLSX formulas at {formulas[:3]} / headers {headers[:3]}"
            else:
                header = out.read_text().splitlines()[0]
                if ",=HYPERLINK" in header or header.startswith("=") or '"=HYPERLINK' in header:
                    return False, f"CSV header carries the formula: {header[:120]}"
            notes.append(suffix)
        return True, f"no live formula in {', '.join(notes)}"

    @probe("4. the user's columns are kept (status, language, no_emotion, <model>_label)")
    def _():
        done = cli("label", source, "--text-column", "comment", "--output", tmp / "kept.csv")
        out = pd.read_csv(tmp / "kept.csv", dtype=str, keep_default_na=False)
        users = ("status", "language", "no_emotion", "encoder-fast_label")
        kept = all((out[f"{c} (input)"] == feedback[c]).all() for c in users if f"{c} (input)" in out)
        kept = kept and all(f"{c} (input)" in out or (out[c] == feedback[c]).all() for c in users)
        said = "kept under new names" in done.stdout and out["status"].str.contains("kept as").all()
        return kept and said and no_traceback(done), f"values kept {kept}; said in the output and status {said}"

    dated = pd.DataFrame(
        {
            "comment": [f"The order {i} was late and I am angry." for i in range(40)],
            "mixed": ["2026-03-01T10:00:00+01:00", "2026-03-02T10:00:00-05:00", "-5", "2026-03-04T10:00:00Z"] * 10,
            "broken": ["soon", "never", "yesterday-ish", "n/a"] * 10,
        }
    )
    dated_file = tmp / "dated.csv"
    dated.to_csv(dated_file, index=False)
    cli("label", dated_file, "--text-column", "comment", "--output", tmp / "dated_labelled.csv")

    @probe("3. mixed offsets, a '-5' and no readable date: report --time")
    def _():
        details = []
        for column in ("mixed", "broken"):
            report = cli(
                "report",
                tmp / "dated_labelled.csv",
                "--text-column",
                "comment",
                "--time",
                column,
                "--output",
                tmp / f"report-{column}",
            )
            if not no_traceback(report):
                return False, f"{column}: traceback {report.stderr.strip()[-200:]}"
            html = tmp / f"report-{column}" / "report.html"
            if report.returncode == 0 and not html.exists():
                return False, f"{column}: exit 0 without a report"
            message = (report.stdout + report.stderr).strip().splitlines()
            details.append(f"{column}: exit {report.returncode}, '{message[-1][:90] if message else ''}'")
        return True, "; ".join(details)

    @probe("6. markup in a segment value stays text in report.html")
    def _():
        marked = pd.read_csv(tmp / "kept.csv", dtype=str, keep_default_na=False)
        marked["shop"] = ['<a href="http://evil.example">click</a>', "![x](http://evil.example/i.png)"] * 6
        marked.to_csv(tmp / "marked.csv", index=False)
        report = cli("report", tmp / "marked.csv", "--text-column", "comment", "--by", "shop", "--output", tmp / "rm")
        html = (tmp / "rm" / "report.html").read_text()
        live = '<a href="http://evil.example"' in html or '<img src="http://evil.example' in html
        return (not live) and report.returncode == 0, f"exit {report.returncode}; live link or image: {live}"

    @probe("7. an empty progress file; a failed run leaves the previous output whole")
    def _():
        out = tmp / "atomic.csv"
        first = cli("label", source, "--text-column", "comment", "--output", out)
        before = out.read_bytes()
        Path(str(out) + ".progress.json").write_text("")  # a kill between creating and writing it, before
        again = cli("label", source, "--text-column", "comment", "--output", out)
        resumed = again.returncode == 0 and no_traceback(again) and out.stat().st_size > 0
        failed = cli("label", source, "--text-column", "no such column", "--output", out)
        intact = out.read_bytes() == before
        nowhere = cli("label", source, "--text-column", "comment", "--output", source / "x.csv")  # under a file
        return (
            first.returncode == 0
            and resumed
            and failed.returncode != 0
            and intact
            and nowhere.returncode != 0
            and no_traceback(nowhere),
            f"over an empty progress file: exit {again.returncode}; a failed run: exit {failed.returncode}, the "
            f"previous output intact {intact}; an output under a file: exit {nowhere.returncode} "
            f"'{nowhere.stderr.strip()[-80:]}'",
        )

    @probe("8. an API key echoed in an answer is never stored")
    def _():
        from emotion.llm.cache import AnswerCache
        from emotion.llm.classifier import LLMClassifier
        from emotion.llm.presets import Preset
        from tests.llm_servers import FaultyServer

        key = "sk-probe-THIS-KEY-MUST-NEVER-BE-STORED-123456"
        server = FaultyServer("ok", answer=lambda _body: f'{{"emotion": "anger"}} your key is {key}')
        try:
            cache = AnswerCache(tmp / "answers.sqlite")
            preset = Preset(name="probe", base_url=server.url, model="m", structured_output="none", logprobs=False)
            result = LLMClassifier(preset, api_key=key, cache=cache).classify(["late again"])
        finally:
            server.close()
        stored = (tmp / "answers.sqlite").read_bytes()
        leaked = key.encode() in stored or any(key in (e or "") for e in result.errors)
        return not leaked, f"label {result.labels}, key in the cache or status: {leaked}"

    @probe("9. adapt: empty texts, a missing custom model, a name with a newline")
    def _():
        empty = tmp / "empty.csv"
        pd.DataFrame({"text": [""] * 30, "label": ["joy"] * 30}).to_csv(empty, index=False)
        first = cli("adapt", "--data", empty, "--name", "probe", "--text-column", "text", "--label-column", "label")
        missing = cli("classify", "--model", "custom:nobody-made-this", "hello")
        newline = cli("adapt", "--data", empty, "--name", "evil\n")
        said = [
            "no label column" not in first.stderr.lower() and first.returncode != 0,
            "adapt" in missing.stderr and missing.returncode != 0,
            newline.returncode != 0,
        ]
        return all(said) and all(map(no_traceback, (first, missing, newline))), (
            f"empty: '{first.stderr.strip()[-90:]}'; missing: '{missing.stderr.strip()[-90:]}'; newline exit "
            f"{newline.returncode}"
        )

    @probe("10. evaluate with no row answered fails; classify prints strict JSON")
    def _():
        from tests.llm_servers import FaultyServer

        server = FaultyServer("error500")
        presets = tmp / "presets.toml"
        presets.write_text(
            f'[broken]\nbase_url = "{server.url}"\nmodel = "m"\nstructured_output = "none"\nlogprobs = false\n'
        )
        labelled = tmp / "gold.csv"
        pd.DataFrame({"text": ["late again", "thank you"] * 3, "label": ["anger", "joy"] * 3}).to_csv(
            labelled, index=False
        )
        try:
            evaluation = cli(
                "evaluate",
                "--data",
                labelled,
                "--model",
                "llm:broken",
                "--output",
                tmp / "eval",
                env={"EMOTION_LLM_PRESETS": str(presets)},
            )
        finally:
            server.close()
        classify = cli("classify", "   ")
        strict = True
        try:
            json.loads(classify.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError:
            strict = classify.returncode != 0 and not classify.stdout.strip()
        return evaluation.returncode != 0 and strict, (
            f"evaluate exit {evaluation.returncode} ('{(evaluation.stderr or evaluation.stdout).strip()[-80:]}'); "
            f"classify of a blank text: exit {classify.returncode}, strict JSON or none {strict}"
        )

    @probe("11. no request leaves the machine on page load (the page icon)")
    def _():
        app = (ROOT / "streamlit_app.py").read_text() + "".join(p.read_text() for p in (ROOT / "pages").glob("*.py"))
        named = [line.strip() for line in app.splitlines() if "page_icon=" in line and ":material/" in line]
        return not named, "the tab's icon is drawn locally" if not named else f"named icons: {named}"

    @probe("1. a tiny XLSX with a far-off cell is refused in one line")
    def _():
        book = tmp / "far.xlsx"
        with zipfile.ZipFile(book, "w") as z:
            z.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
            )
            z.writestr(
                "_rels/.rels",
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            )
            z.writestr(
                "xl/workbook.xml",
                '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
            )
            z.writestr(
                "xl/_rels/workbook.xml.rels",
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
            )
            z.writestr(
                "xl/worksheets/sheet1.xml",
                '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>comment</t></is></c></row>'
                '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                "</sheetData></worksheet>",
            )
        done = cli("label", book, "--text-column", "comment", "--output", tmp / "far.csv")
        lines = done.stderr.strip().splitlines()
        return done.returncode != 0 and no_traceback(done) and len(lines) <= 2, f"exit {done.returncode}: {lines[-1:]}"

    failed = [name for name, held, _ in RESULTS if not held]
    print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} probes held" + (f"; failed: {failed}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
