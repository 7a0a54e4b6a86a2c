"""Converters from third parties' exports of real portals into canonical guide records.

One module per source. Each declares ``TITLE`` (Chinese), ``UNCAPTURED`` (what its source never
captures: record fields and sub-fields, see guideaudit.record.CAPTURE_PATHS) and
``load(path) -> Iterator[GuideRecord]``; every record it makes carries that set in
``record.uncaptured`` (plus what one record lacks on its own), so the checks give 待核实 there,
never a defect. A source whose guide is spread over several files (a detail response, its
materials, its flow) also declares ``load_files(paths)``, which sees them all at once.
A file that is not what the importer reads raises RecordError naming the file and what was
expected. Register a new module in ``guideaudit.commands.sources.IMPORTERS`` (docs/importers.md): the
registry also names sources of the crawler layer, so it lives above both.
"""
