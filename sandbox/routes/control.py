"""The `/_sandbox/*` control paths (no signature): manifest, stats, clock, world summary, warm-up, error
answers queued for the next requests of an API, the console's incentive export of the running world, and
each holder's ground truth of a month (`/_sandbox/holders?month=M`, see `holder_truth`)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

from sandbox.answers import Answer, ApiError, error, ok
from sandbox.exports import incentive_export_bytes
from sandbox.holder_truth import month_truth
from sandbox.params import MONTH, json_body
from sandbox.routes.request import Context
from sandbox.stats import Stats
from sandbox.world import World

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def control(app: Context, method: str, path: str, query: str, body: bytes) -> Answer:
    try:
        if path == "/_sandbox/export/incentives" and method == "GET":
            return incentive_export(app.world, dict(parse_qsl(query)))
        if path == "/_sandbox/manifest" and method == "GET":
            return ok(app.world.manifest())
        if path == "/_sandbox/stats" and method == "GET":
            return ok(app.stats.to_json())
        if path == "/_sandbox/stats/reset" and method == "POST":
            app.stats = Stats()
            return ok({"reset": True})
        if path == "/_sandbox/clock":
            if method == "POST":
                value = json_body(body).get("today")
                try:
                    app.world.today = date.fromisoformat(str(value))
                except ValueError:
                    raise ApiError(400, "CBC.0100", "Invalid parameter: today (YYYY-MM-DD).") from None
            return ok(
                {"today": app.world.today.isoformat(), "last_day": app.world.last_day.isoformat()}
            )
        if path == "/_sandbox/errors":
            if method == "POST":
                app.injected.add(json_body(body))
            return ok({"pending": app.injected.to_json()})
        if path == "/_sandbox/holders" and method == "GET":
            wanted = dict(parse_qsl(query)).get("month", "")
            if not MONTH.match(wanted):
                raise ApiError(400, "CBC.0100", "Invalid parameter: month (YYYY-MM).")
            return ok(month_truth(app.world, wanted))
        if path == "/_sandbox/world" and method == "GET":
            return ok(app.world.describe())
        if path == "/_sandbox/warm" and method == "POST":
            month = json_body(body).get("month")
            if not isinstance(month, str) or not MONTH.match(month):
                raise ApiError(400, "CBC.0100", "Invalid parameter: month (YYYY-MM).")
            return ok(app.world.warm(month))
        raise ApiError(404, "APIG.0101", "Unknown sandbox control path.")
    except ApiError as exc:
        return error(exc)


def incentive_export(world: World, params: dict[str, str]) -> Answer:
    """The console export of this running world (scenarios included), as the file's bytes."""
    fmt, lang = params.get("format", "xlsx"), params.get("lang", "zh")
    try:
        data = incentive_export_bytes(world, params.get("month", ""), fmt, lang)
    except (ValueError, IndexError) as exc:
        raise ApiError(400, "CBC.0100", f"Invalid parameter: {exc}.") from None
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_TYPE
    return Answer(200, data, content_type=content_type)

