"""Render the Definitions as readable text: what a reviewer checks when the asset graph changes."""

from __future__ import annotations

from dagster import (
    DailyPartitionsDefinition,
    Definitions,
    MonthlyPartitionsDefinition,
    PartitionsDefinition,
    RunStatusSensorDefinition,
)


def _partitions(pd: PartitionsDefinition | None) -> str:
    if pd is None:
        return "none"
    if isinstance(pd, DailyPartitionsDefinition | MonthlyPartitionsDefinition):
        kind = "daily" if isinstance(pd, DailyPartitionsDefinition) else "monthly"
        return (f"{kind} from {pd.start.strftime(pd.fmt)} tz={pd.timezone} fmt={pd.fmt} "
                f"end_offset={pd.end_offset}")
    return type(pd).__name__


def render(defs: Definitions) -> str:
    """Assets (partitions, backfill policy, pools, deps, checks), jobs, schedules and sensors."""
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    lines: list[str] = ["assets:"]
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        policy = node.backfill_policy
        lines.append(f"  {key.to_user_string()}:")
        lines.append(f"    group: {node.group_name}")
        lines.append(f"    partitions: {_partitions(node.partitions_def)}")
        lines.append(f"    backfill_policy: {policy.policy_type.value if policy else 'none'}"
                     + (f" max={policy.max_partitions_per_run}" if policy and policy.max_partitions_per_run
                        else ""))
        lines.append(f"    pools: {', '.join(sorted(node.pools or [])) or 'none'}")
        deps = sorted(p.to_user_string() for p in node.parent_keys)
        lines.append(f"    deps: {', '.join(deps) or 'none'}")
    lines.append("checks:")
    for check in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        spec = graph.get(check)
        blocking = " blocking" if getattr(spec, "blocking", False) else ""
        lines.append(f"  {check.asset_key.to_user_string()}:{check.name}{blocking}")
    lines.append("jobs:")
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        keys = sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys)
        checks = sorted(k.to_user_string() for k in job.asset_layer.asset_graph.asset_check_keys)
        lines.append(f"  {job.name}:")
        lines.append(f"    partitions: {_partitions(job.partitions_def)}")
        lines.append(f"    assets: {', '.join(keys) or 'none'}")
        lines.append(f"    checks: {', '.join(checks) or 'none'}")
    lines.append("schedules:")
    for sched in sorted(repo.schedule_defs, key=lambda s: s.name):
        lines.append(f"  {sched.name}: cron='{sched.cron_schedule}' tz={sched.execution_timezone} "
                     f"job={sched.job_name} default={sched.default_status.value}")
    lines.append("sensors:")
    for sensor in sorted(repo.sensor_defs, key=lambda s: s.name):
        kind = "run_failure" if isinstance(sensor, RunStatusSensorDefinition) else "sensor"
        target = ", ".join(sorted(t.job_name for t in sensor.targets)) or "-"
        lines.append(f"  {sensor.name}: {kind} targets={target} default={sensor.default_status.value}")
    return "\n".join(lines) + "\n"
