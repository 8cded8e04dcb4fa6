"""Bulk labelling on Ray Data: the local engine's columns, on a laptop's Ray or a cluster.

One call, :func:`label_with_ray`, used by ``python -m emotion label --engine ray`` and callable from a
user's own Ray job. The plan:

1. The input (a file, a directory or a glob, on any filesystem pyarrow reads) is listed and checked on
   the driver: every file readable, the same columns everywhere, the text column present.
2. Ray Data reads each file in its own task, with the local engine's reader
   (:func:`emotion.io.tables.iter_chunks`: same encoding and delimiter detection, every cell a string), and
   tags every row with its position (:data:`POSITION_COLUMNS`).
3. ``map_batches`` runs :class:`LabelBatches` on a fixed pool of actors; each actor loads the chosen
   registry models once and labels with :func:`emotion.labelling.table.label_table`, the local engine's function.
4. Ray writes Parquet (or CSV) into a temporary folder beside the output, which is renamed into place
   only when every row is written, with a ``_SUCCESS`` summary; :func:`read_output` reads it back in
   input order.

Ray is optional (``pip install -r requirements-ray.txt``); nothing here imports it at module level.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from emotion.io import formats
from emotion.io.tables import DataError
from emotion.labelling.table import label_table, result_columns

INPUT_SUFFIXES = tuple(s for f in formats.FORMATS if f.read_chunks is not None for s in f.suffixes)
"""Formats that stream (CSV, TSV, Parquet, JSON Lines); a directory is scanned for these but ``.txt`` (notes)."""
POSITION_COLUMNS = ("_input_file", "_input_row")
"""Added to every output row: the input file's index (in sorted input order) and the row's index in it."""
SUCCESS_FILE = "_SUCCESS"
RAY_INSTALL = "pip install -r requirements-ray.txt  (or, in this repository: pip install -e '.[ray]')"


class RayUnavailableError(DataError):
    """Ray is not installed."""


@dataclass(frozen=True)
class RayRunSummary:
    """What a finished run wrote (also stored as JSON in ``<output>/_SUCCESS``)."""

    output: str
    files: list[str]
    rows: int
    models: list[str]
    workers: int
    cpus_per_worker: float
    seconds: float
    dashboard_url: str | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def import_ray():
    """The ``ray`` module, or :class:`RayUnavailableError` saying how to install it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise RayUnavailableError(f"--engine ray needs Ray: {RAY_INSTALL}") from None
    return ray


def _filesystem(source: str):
    """``(pyarrow filesystem, path inside it)`` for a local path or a URI such as ``s3://bucket/key``."""
    from pyarrow import fs

    if "://" in source:
        try:
            return fs.FileSystem.from_uri(source)
        except Exception as error:
            raise DataError(f"cannot open {source}: {str(error).splitlines()[0]}") from None
    return fs.LocalFileSystem(), os.path.abspath(os.path.expanduser(source))


def list_inputs(source: str) -> tuple[Any, list[str]]:
    """The input files of ``source`` (a file, a directory of CSV/TSV/Parquet files, or a glob), sorted.

    Returns:
        ``(filesystem, paths)``; raises :class:`DataError` when nothing matches.
    """
    from pyarrow import fs

    filesystem, path = _filesystem(source)
    if any(ch in path for ch in "*?["):
        parts = PurePosixPath(path).parts
        first = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
        base = str(PurePosixPath(*parts[:first])) if first else "/"
        infos = filesystem.get_file_info(fs.FileSelector(base, recursive=True, allow_not_found=True))
        files = [i.path for i in infos if i.type == fs.FileType.File and fnmatch.fnmatchcase(i.path, path)]
        if not files:
            raise DataError(f"no files match {source}")
    else:
        info = filesystem.get_file_info(path)
        if info.type == fs.FileType.NotFound:
            raise DataError(f"input not found: {source}")
        if info.type == fs.FileType.Directory:
            infos = filesystem.get_file_info(fs.FileSelector(path, recursive=False))
            files = [i.path for i in infos if i.type == fs.FileType.File and i.base_name[:1] not in "._"]
            wanted = [s for s in INPUT_SUFFIXES if s != ".txt"]
            files = [f for f in files if Path(f).suffix.lower() in wanted]
            if not files:
                raise DataError(f"{source}: the directory holds no {'/'.join(wanted)} files")
        else:
            files = [path]
    for file in files:
        if Path(file).suffix.lower() not in INPUT_SUFFIXES:
            raise DataError(f"{Path(file).name}: unsupported input type (use {', '.join(INPUT_SUFFIXES)})")
    return filesystem, sorted(files)


def read_columns(filesystem, path: str) -> list[str]:
    """Column names of a CSV/TSV (its header, read as the local engine reads it) or a Parquet file."""
    name = Path(path).name
    try:
        with filesystem.open_input_file(path) as handle:
            if path.lower().endswith(".parquet"):
                import pyarrow.parquet as pq

                return list(pq.read_schema(handle).names)
            file_format = formats.format_for(path)
            if file_format.name in ("CSV", "TSV"):  # the header alone (the chunked reader scans the whole file)
                default = "\t" if file_format.name == "TSV" else ","
                encoding, delimiter = formats.sniff_csv(handle.read(64 * 1024), default)
                handle.seek(0)
                return [str(c) for c in pd.read_csv(handle, sep=delimiter, encoding=encoding, nrows=0).columns]
            first = next(iter(file_format.read_chunks(handle, 1)), None)
            return [] if first is None else [str(c) for c in first.columns]
    except Exception as error:
        raise DataError(f"{name}: cannot read: {str(error).splitlines()[0] or type(error).__name__}") from None


def check_inputs(filesystem, files: list[str], text_column: str) -> list[str]:
    """Raise :class:`DataError` unless every file has the same columns, the text column among them."""
    first = read_columns(filesystem, files[0])
    for path in files:
        columns = first if path == files[0] else read_columns(filesystem, path)
        if text_column not in columns:
            raise DataError(f"{Path(path).name}: no column {text_column!r} (columns: {', '.join(columns)})")
        if columns != first:
            raise DataError(
                f"files have different columns: {Path(files[0]).name} has {', '.join(first)}; "
                f"{Path(path).name} has {', '.join(columns)}"
            )
        clash = [c for c in POSITION_COLUMNS if c in columns]
        if clash:
            raise DataError(f"{Path(path).name}: column {clash[0]!r} is reserved for the row position")
    return first


def read_file_rows(items: pd.DataFrame, filesystem, chunk_rows: int) -> Iterator[Any]:
    """Ray Data read step: the rows of each listed file, ``chunk_rows`` at a time, tagged with positions.

    Yields Arrow tables with every input column as a string, so no block's schema depends on its values.
    """
    import pyarrow as pa

    from emotion.io.tables import iter_chunks

    for index, path in zip(items["file"], items["path"], strict=True):
        row = 0
        with filesystem.open_input_file(path) as handle:
            for chunk in iter_chunks(Path(path), chunk_rows, handle=handle):
                columns = {str(c): pa.array(chunk[c].tolist(), type=pa.string(), from_pandas=True) for c in chunk}
                columns[POSITION_COLUMNS[0]] = pa.array([int(index)] * len(chunk), type=pa.int64())
                columns[POSITION_COLUMNS[1]] = pa.array(range(row, row + len(chunk)), type=pa.int64())
                row += len(chunk)
                yield pa.table(columns)


BOOLEAN_COLUMNS = ("no_emotion", "disagreement", "low_confidence")
"""Result columns of booleans (CSV output writes them as pandas does: ``True``, ``False``)."""


def output_schema(input_columns: list[str], names: list[str]):
    """Arrow schema of the output: input columns as strings, typed result columns, positions."""
    import pyarrow as pa

    types = {"status": pa.string(), "consensus_label": pa.string(), "agreement": pa.float64()}
    types |= {column: pa.bool_() for column in BOOLEAN_COLUMNS}
    fields = [pa.field(c, pa.string()) for c in input_columns]
    for column in result_columns(names):
        fields.append(
            pa.field(
                column,
                types.get(column, pa.float64() if column.endswith(("_confidence", "_no_emotion")) else pa.string()),
            )
        )
    return pa.schema([*fields, *(pa.field(c, pa.int64()) for c in POSITION_COLUMNS)])


class LabelBatches:
    """Ray Data actor: loads the registry models once, then labels batches with the local engine's function.

    Args:
        model_names: Registry names.
        text_column: Column with the texts.
        threads: CPU threads for the models (ONNX Runtime and numpy do not read Ray's CPU share).
        csv_output: Neutralise formula cells, as the local engine's CSV writer does.
        llm_options: Passed to ``registry.load`` for ``llm:`` models (their concurrency share).
        batch_size: Texts per forward pass (default: each model's own).
        counter: A ``_RowCounter`` actor told of every finished batch (for the driver's progress bar).
        settings: The driver's ``EMOTION_*`` settings (:func:`driver_settings`), applied before the models load.
    """

    def __init__(
        self,
        model_names: list[str],
        text_column: str,
        threads: int,
        csv_output: bool = False,
        llm_options: dict | None = None,
        batch_size: int | None = None,
        counter: Any = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        os.environ.update(settings or {})
        os.environ["EMOTION_THREADS"] = str(threads)
        from emotion import registry

        self.text_column, self.csv_output, self.batch_size = text_column, csv_output, batch_size
        self.counter = counter
        self.models = {
            name: registry.load(name, **(llm_options or {}))  # options reach llm: models only
            for name in model_names
        }

    def __call__(self, batch: pd.DataFrame):
        import pyarrow as pa

        positions = batch[list(POSITION_COLUMNS)].reset_index(drop=True)
        frame = batch.drop(columns=list(POSITION_COLUMNS)).reset_index(drop=True)
        frame = frame.astype(object).where(frame.notna(), None)
        try:
            labelled = label_table(frame, self.text_column, self.models, batch_size=self.batch_size)
        except Exception as error:  # the batch's rows are kept and marked, never dropped
            labelled = failed_rows(frame, list(self.models), f"failed: {type(error).__name__}: {error}")
        schema = output_schema(list(frame.columns), list(self.models))
        if self.csv_output:  # as the local engine's CSV writer: formulas neutralised, booleans as pandas writes them
            labelled = formats.prepare(labelled, formats.by_name("csv"))
            for column in BOOLEAN_COLUMNS:
                labelled[column] = labelled[column].map({True: "True", False: "False"})
                schema = schema.set(schema.get_field_index(column), pa.field(column, pa.string()))
        out = pa.Table.from_pandas(pd.concat([labelled, positions], axis=1), schema=schema, preserve_index=False)
        if self.counter is not None:
            self.counter.add.remote(len(out))
        return out


def driver_settings() -> dict[str, str]:
    """The ``EMOTION_*`` settings of this process (LLM presets file, caches, runtime), for the actors.

    API keys are not among them: they stay out of Ray's object store; set them on the cluster.
    """
    return {k: v for k, v in os.environ.items() if k.startswith("EMOTION_") and k != "EMOTION_THREADS"}


def failed_rows(frame: pd.DataFrame, names: list[str], message: str) -> pd.DataFrame:
    """``frame`` with empty result columns and ``status`` set to ``message``."""
    out = frame.copy()
    for column in result_columns(names):
        out[column] = None
    out["status"] = message.splitlines()[0][:500]
    return out


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else ""


def check_address(address: str, timeout: float = 5.0) -> None:
    """Raise :class:`DataError` unless something listens at ``address`` (``ray://host:port`` or ``host:port``).

    ``auto`` (a cluster this machine belongs to) is left to Ray. Ray itself retries an unreachable
    address for a long time; this answers in seconds.
    """
    if address in ("auto", "local"):
        return
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise DataError(f"--ray-address {address!r}: expected host:port or ray://host:port")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        raise DataError(f"cannot reach Ray at {address}: {error.strerror or error}") from None


def _local_cpus() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class RayPlan:
    """A checked run: where to read and write, which models, how the actor pool is sized."""

    filesystem: Any
    files: list[str]
    out_fs: Any
    out_path: str
    text_column: str
    names: list[str]
    workers: int
    cpus_per_worker: float
    threads: int
    output_format: str
    batch_rows: int
    batch_size: int | None
    llm_options: dict


def label_with_ray(
    source: str | Path,
    output: str | Path,
    text_column: str,
    models: list[str],
    workers: int | None = None,
    address: str | None = None,
    output_format: str = "parquet",
    cpus_per_worker: float | None = None,
    batch_rows: int = 4096,
    llm_concurrency: int = 4,
    batch_size: int | None = None,
    progress: bool = True,
    threshold: float | None = None,
    fallback_share: float | None = None,
) -> RayRunSummary:
    """Label ``source`` on Ray Data into the directory ``output``; returns what was written.

    Every input row and column is kept; the result columns are exactly :func:`emotion.labelling.table.result_columns`,
    as the local engine writes them, plus :data:`POSITION_COLUMNS`. Read it back in input order with
    :func:`read_output`.

    Args:
        source: A CSV/TSV/Parquet file, a directory of them, or a glob; a local path or a pyarrow URI.
        output: The output directory (must not exist, or be empty).
        text_column: Column with the texts.
        models: Registry names (checked before anything starts).
        workers: Actors in the pool, each with its own copy of the models (default: one per 2 CPUs).
        address: An existing cluster (``ray://host:10001`` or ``auto``); without one a local Ray is
            started for this run and shut down after (a Ray already started in this process is used).
        output_format: ``parquet`` or ``csv``.
        cpus_per_worker: CPUs each actor reserves (default: the cluster's CPUs less one for the read,
            repartition and write tasks, shared among the workers; reserving every CPU leaves none for them
            and the pipeline stalls). The models in each actor use the cluster's CPUs per worker as threads
            (this value rounded up when given).
        batch_rows: Rows per block read and per ``map_batches`` batch (the unit a retry redoes).
        llm_concurrency: Requests in flight for each ``llm:`` model across the whole cluster; every
            worker gets an equal share, so ``workers`` may not exceed it when an LLM is chosen.
        batch_size: Texts per forward pass (default: each model's own; 1 labels every text alone).
        progress: Show rows done, rate and ETA on stderr.
        threshold, fallback_share: For cascades, as :func:`emotion.registry.load` takes them.
    """
    if output_format not in ("parquet", "csv"):
        raise DataError(f"unsupported output format {output_format!r} (use parquet or csv)")
    names, sends_requests = _check_models(models)
    filesystem, files = list_inputs(str(source))
    check_inputs(filesystem, files, text_column)
    out_fs, out_path = _filesystem(str(output))
    _check_output(out_fs, out_path)
    ray = import_ray()
    if address:
        check_address(address)
    started_here = not ray.is_initialized()
    context = _start_ray(ray, address) if started_here else None
    try:
        dashboard = getattr(context, "dashboard_url", None) or None
        if dashboard and progress:
            print(f"Ray dashboard: http://{dashboard}", file=sys.stderr, flush=True)
        total_cpus = float(ray.cluster_resources().get("CPU", _local_cpus()))
        workers = workers or max(1, int(total_cpus) // 2)
        if sends_requests and workers > llm_concurrency:
            raise DataError(
                f"{workers} workers would send more than {llm_concurrency} LLM requests at once; "
                f"use --workers {llm_concurrency} or fewer, or raise --llm-concurrency"
            )
        # Reserving every CPU for the actors leaves none for the read and repartition tasks: the run stalls.
        cpus = cpus_per_worker or max(0.25, (total_cpus - 1) / workers)
        plan = RayPlan(
            filesystem=filesystem,
            files=files,
            out_fs=out_fs,
            out_path=out_path,
            text_column=text_column,
            names=names,
            workers=workers,
            cpus_per_worker=round(cpus, 3),
            threads=max(1, round(total_cpus / workers)) if cpus_per_worker is None else math.ceil(cpus),
            output_format=output_format,
            batch_rows=batch_rows,
            batch_size=batch_size,
            llm_options={
                "concurrency": max(1, llm_concurrency // workers),
                "threshold": threshold,
                "fallback_share": fallback_share,
            },
        )
        began = time.time()
        rows = _run_pipeline(ray, plan, progress)
        return RayRunSummary(
            output=str(output),
            files=[str(f) for f in files],
            rows=rows,
            models=names,
            workers=workers,
            cpus_per_worker=plan.cpus_per_worker,
            seconds=round(time.time() - began, 3),
            dashboard_url=dashboard,
        )
    finally:
        if started_here:
            ray.shutdown()


def _check_models(models: list[str]) -> tuple[list[str], bool]:
    """The models' names, checked before anything starts, and whether any sends requests to an endpoint."""
    from emotion import registry

    names = [registry.check_name(name) for name in models]
    infos = {name: registry.info(name, probe=False) for name in names}
    for name, info in infos.items():
        if info.local and not info.status.ready:  # endpoints are probed by the workers that call them
            raise DataError(f"model {name!r} is not ready: {info.status.reason}")
    return names, not all(info.local for info in infos.values())


def _start_ray(ray, address: str | None):
    """Start (or join) Ray for this run; a one-line :class:`DataError` when it cannot."""
    try:
        return ray.init(
            address=address,
            include_dashboard=False if address is None else None,
            log_to_driver=address is not None,
            logging_level="WARNING",
        )
    except Exception as error:
        raise DataError(f"cannot start Ray ({address or 'local'}): {_first_line(error)}") from None


def _check_output(filesystem, path: str) -> None:
    from pyarrow import fs

    info = filesystem.get_file_info(path)
    if info.type == fs.FileType.File:
        raise DataError(f"output {path} is a file; give a directory to write into")
    if info.type == fs.FileType.Directory and filesystem.get_file_info(fs.FileSelector(path)):
        raise DataError(f"output directory {path} is not empty; remove it or choose another")


def estimate_rows(filesystem, files: list[str]) -> int | None:
    """Rows in the input, for the progress bar: Parquet metadata, local CSV lines; ``None`` if unknown."""
    import pyarrow.parquet as pq
    from pyarrow import fs

    from emotion.io.tables import count_rows

    total = 0
    for path in files:
        if path.lower().endswith(".parquet"):
            with filesystem.open_input_file(path) as handle:
                total += pq.ParquetFile(handle).metadata.num_rows
        elif isinstance(filesystem, fs.LocalFileSystem):
            total += count_rows(Path(path)) or 0
        else:
            return None  # counting a remote CSV's lines means reading it twice
    return total


class _RowCounter:
    """A Ray actor the workers tell how many rows they finished; the driver reads it for the progress bar."""

    def __init__(self) -> None:
        self.rows = 0

    def add(self, rows: int) -> None:
        self.rows += rows

    def get(self) -> int:
        return self.rows


def _run_pipeline(ray, plan: RayPlan, progress: bool) -> int:
    """Read, label and write on Ray Data, the progress bar fed by the actors' row counter; returns rows written."""
    import threading

    from pyarrow import fs

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours below shows rows, rate and ETA in one line
    context.issue_detectors_config.detectors = []  # its memory hints repeat every 30 s over the progress bar
    context.execution_options.preserve_order = True  # output files follow input order too
    local_output = isinstance(plan.out_fs, fs.LocalFileSystem)
    # Local output: write into a hidden sibling and rename it into place at the end, so a directory
    # under the requested name is always complete. Elsewhere (object stores): `_SUCCESS` marks completion.
    name = PurePosixPath(plan.out_path).name
    target = (
        str(PurePosixPath(plan.out_path).with_name(f".{name}.incomplete-{uuid.uuid4().hex[:8]}"))
        if local_output
        else plan.out_path
    )
    counter = ray.remote(num_cpus=0)(_RowCounter).remote()
    dataset = _dataset(ray, plan, counter)
    writer = dataset.write_parquet if plan.output_format == "parquet" else dataset.write_csv
    failure: list[BaseException] = []

    def write() -> None:
        try:
            writer(target, filesystem=plan.out_fs, min_rows_per_file=100_000, ray_remote_args={"num_cpus": 0.1})
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=write, name="emotion-ray-write", daemon=True)
    thread.start()
    _follow_counter(ray, thread, counter, estimate_rows(plan.filesystem, plan.files) if progress else None, progress)
    if failure:
        if local_output:  # nothing half-written stays behind
            shutil.rmtree(target, ignore_errors=True)
        error = failure[0]
        if isinstance(error, Exception):
            raise DataError(f"the Ray run failed: {type(error).__name__}: {_first_line(error)}") from error
        raise error
    return _finish(plan, target, local_output)


def _dataset(ray, plan: RayPlan, counter):
    """The Ray Data pipeline: one read task per file, blocks cut to ``batch_rows``, the actor pool labelling them."""
    items = [{"file": i, "path": path} for i, path in enumerate(plan.files)]
    return (
        ray.data.from_items(items, override_num_blocks=len(plan.files))
        .map_batches(
            read_file_rows,
            batch_size=1,
            batch_format="pandas",
            fn_kwargs={"filesystem": plan.filesystem, "chunk_rows": plan.batch_rows},
            num_cpus=0.1,
        )
        # A read task's output is joined into blocks of up to 128 MiB: without cutting them back to
        # `batch_rows` rows, a whole file reaches one actor while the others wait.
        .repartition(target_num_rows_per_block=plan.batch_rows)
        .map_batches(
            LabelBatches,
            fn_constructor_kwargs={
                "model_names": plan.names,
                "text_column": plan.text_column,
                "threads": plan.threads,
                "csv_output": plan.output_format == "csv",
                "llm_options": plan.llm_options,
                "batch_size": plan.batch_size,
                "counter": counter,
                "settings": driver_settings(),
            },
            compute=ray.data.ActorPoolStrategy(size=plan.workers),
            num_cpus=plan.cpus_per_worker,
            batch_size=plan.batch_rows,
            batch_format="pandas",
        )
    )


def _follow_counter(ray, thread, counter, total: int | None, progress: bool) -> None:
    """Rows done, rate and ETA on stderr while the writing thread runs."""
    from tqdm.auto import tqdm

    with tqdm(total=total, unit="row", desc="labelling (ray)", disable=not progress, smoothing=0.1) as bar:
        while thread.is_alive():
            thread.join(0.5)
            done = ray.get(counter.get.remote())
            bar.update(min(done, total or done) - bar.n)  # a retried batch is counted twice; never past the end


def _finish(plan: RayPlan, target: str, local_output: bool) -> int:
    """Count the rows written, mark the output complete, and move a local output into place."""
    written = _count_rows(plan.out_fs, target, plan.output_format)
    marker = {"rows": written, "files": plan.files, "models": plan.names, "format": plan.output_format}
    with plan.out_fs.open_output_stream(f"{target}/{SUCCESS_FILE}") as handle:
        handle.write(json.dumps(marker, indent=2).encode())
    if local_output:
        if os.path.isdir(plan.out_path):
            os.rmdir(plan.out_path)  # checked empty before the run
        os.replace(target, plan.out_path)
    return written


def _count_rows(filesystem, folder: str, output_format: str) -> int:
    import pyarrow.dataset as pads

    return pads.dataset(folder, filesystem=filesystem, format=output_format).count_rows()


def read_output(output: str | Path, keep_positions: bool = False) -> pd.DataFrame:
    """A finished run's output as one table in input order (refuses an unfinished one).

    Args:
        output: The directory :func:`label_with_ray` wrote.
        keep_positions: Keep :data:`POSITION_COLUMNS`.
    """
    import pyarrow.dataset as pads
    from pyarrow import fs

    filesystem, path = _filesystem(str(output))
    try:
        with filesystem.open_input_file(f"{path}/{SUCCESS_FILE}") as handle:
            marker = json.loads(handle.read())
    except (FileNotFoundError, OSError):
        raise DataError(f"{output}: not a finished run (no {SUCCESS_FILE})") from None
    options = {"format": marker["format"]}
    if marker["format"] == "csv":
        import pyarrow.csv as pacsv

        names: list[str] = []
        files = [i.path for i in filesystem.get_file_info(fs.FileSelector(path)) if i.path.endswith(".csv")]
        if files:
            with filesystem.open_input_file(files[0]) as handle:
                names = list(pd.read_csv(handle, nrows=0).columns)
        strings = {n: "string" for n in names if n not in POSITION_COLUMNS}  # input cells stay strings
        options["format"] = pads.CsvFileFormat(convert_options=pacsv.ConvertOptions(column_types=strings))
    frame = pads.dataset(path, filesystem=filesystem, exclude_invalid_files=True, **options).to_table().to_pandas()
    frame = frame.sort_values(list(POSITION_COLUMNS), kind="stable").reset_index(drop=True)
    return frame if keep_positions else frame.drop(columns=list(POSITION_COLUMNS))


def summary_json(summary: RayRunSummary) -> str:
    """The summary as JSON, with the rate."""
    return json.dumps({**asdict(summary), "rows_per_second": round(summary.rows_per_second, 1)}, indent=2)
