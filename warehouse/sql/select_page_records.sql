-- Raw relation of spooled page files: one row per record, every contract field as VARCHAR (JSON numbers in
-- their shortest double form: exact for <= 15 significant digits, the parser checks that first).
-- $files and $struct are bound; the brace placeholders are identifiers from the column spec, never values.
WITH pages AS (
    SELECT filename AS _source, json_transform(content, $struct) AS p
    FROM read_text($files)
), recs AS (
    SELECT
        _source,
        p.{count_field} AS _api_count,
        p.currency AS _page_currency,
        unnest(range(len(p.{records_field}))) AS _idx,
        unnest(p.{records_field}) AS r
    FROM pages
)
SELECT _source, _idx, _api_count, _page_currency, {fields}, NULL::VARCHAR AS _extra, []::VARCHAR[] AS _pre_errors
FROM recs
