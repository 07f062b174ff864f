"""A self-contained HTML fleet report: one file, no network resource, readable at 5,000 nodes.

The page is rendered on the server side (it reads without JavaScript); a small inline script
adds filtering (status line, cause, node), sorting (click a column header) and the node
finder. Nodes are never listed one row each: the matrix has one column per *group* of nodes
with identical results, group members open on demand (200 at a time), and every finding's
explanation (causes, evidence, fix) is one click away. Every string from the input is
HTML-escaped; the data the script reads is JSON inside ``<script type="application/json">``
with ``<`` escaped, so no input can close the element.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ciliumdrift.errors import InputError
from ciliumdrift.model import Report
from ciliumdrift.report.fleet import FleetView, fleet_view, names, summary

#: Group columns drawn in the matrix; the others are in the group list and the node finder.
MATRIX_GROUPS = 20


def render(report: Any, **_options: Any) -> str:
    """HTML for a check report (``check`` with statuses, ``live``, a sysdump)."""

    if not isinstance(report, Report):
        raise InputError("--format html is for check and live reports")
    return render_view(fleet_view(report))


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def render_view(view: FleetView) -> str:
    shown = view.groups[:MATRIX_GROUPS]
    causes = sorted({c["kind"] for f in view.findings for c in f.causes[:1]})
    finding_of_line: dict[str, str] = {}
    for finding in view.findings:
        finding_of_line.setdefault(finding.fact, finding.id)
    parts: list[str] = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(view.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(view.title)}</h1>",
        f'<p id="summary" class="{"bad" if view.exit_code else "good"}">{_e(summary(view))}</p>',
    ]
    inputs = [
        f"<span><b>{_e(k)}</b> {_e(', '.join(map(str, v)) if isinstance(v, list) else v)}</span>"
        for k, v in view.inputs.items()
        if k in ("values", "talos", "cluster", "server", "context", "source") and v
    ]
    if inputs:
        parts.append(f'<p class="inputs">{" ".join(inputs)}</p>')
    parts.append(
        '</header><nav class="filters">'
        '<label>Filter <input id="filter" type="search" '
        'placeholder="status line, cause or node"></label>'
        '<label>Cause <select id="cause"><option value="">any</option>'
        + "".join(f'<option value="{_e(c)}">{_e(c)}</option>' for c in causes)
        + "</select></label>"
        '<label><input id="only-drift" type="checkbox"> drift only</label>'
        '<span id="shown"></span></nav>'
    )
    # the matrix
    parts.append('<section><h2>Status lines × node groups</h2><div class="scroll">')
    parts.append('<table id="matrix" class="sortable"><thead><tr>')
    parts.append('<th data-sort="text">Status line</th><th data-sort="text">Expected</th>')
    parts.append('<th data-sort="text">Uniform</th><th data-sort="num">Drift nodes</th>')
    for group in shown:
        flag = " drift" if group.drifts else ""
        parts.append(
            f'<th class="group{flag}" title="{_e(names(group.nodes))}">'
            f'<a href="#group-{_e(group.label)}">{_e(group.label)}</a>'
            f"<br><small>{len(group.nodes):,} node(s)</small></th>"
        )
    parts.append("</tr></thead><tbody>")
    for index, line in enumerate(view.lines):
        expected = line.expected if not line.per_node else f"per node, e.g. {line.example}"
        uniform = "Yes" if line.uniform else ("per node" if line.per_node else "No")
        row_causes = " ".join(
            c["kind"] for f in view.findings if f.fact == line.fact for c in f.causes[:1]
        )
        members = " ".join(g.label for g in view.groups if g.cells[index].verdict is not None)
        drift = " drift" if line.drift_nodes else ""
        parts.append(
            f'<tr class="line{drift}" data-line="{_e(line.status_line)} {_e(line.fact)}" '
            f'data-causes="{_e(row_causes)}" data-groups="{_e(members)}">'
            f'<td class="name">{_e(line.status_line)}<small>{_e(line.fact)}</small></td>'
            f'<td title="{_e(line.declared_at)}">{_e(expected)}</td><td>{_e(uniform)}</td>'
            f'<td class="num">{line.drift_nodes:,}</td>'
        )
        for group in shown:
            cell = group.cells[index]
            verdict = cell.verdict.value if cell.verdict else "none"
            text = _e(cell.text())
            target = finding_of_line.get(line.fact)
            if verdict in ("mismatch", "cross-check", "conditional") and target:
                text = f'<a href="#{_e(target)}" class="explain">{text}</a>'
            parts.append(f'<td class="v-{_e(verdict)}">{text}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    if len(view.groups) > len(shown):
        parts.append(
            f'<p class="note">{len(view.groups) - len(shown):,} more group(s) below; '
            "find any node with the filter.</p>"
        )
    parts.append("</section>")
    # findings
    parts.append(f"<section><h2>Findings ({len(view.findings)})</h2>")
    if view.findings:
        parts.append('<table id="findings" class="sortable"><thead><tr>')
        parts.append(
            '<th data-sort="text">Severity</th><th data-sort="text">Status line</th>'
            '<th data-sort="text">Finding</th><th data-sort="text">Likely cause</th>'
            '<th data-sort="num">Nodes</th></tr></thead><tbody>'
        )
        for finding in view.findings:
            top = finding.causes[0]["kind"] if finding.causes else ""
            parts.append(
                f'<tr id="{_e(finding.id)}" class="finding sev-{_e(finding.severity)}" '
                f'data-line="{_e(finding.status_line)} {_e(finding.fact)}" '
                f'data-causes="{_e(top)}" data-nodes="{_e(" ".join(finding.nodes))}">'
                f"<td>{_e(finding.severity)}</td><td>{_e(finding.status_line)}</td>"
                f"<td><details><summary>{_e(finding.message)}</summary>{_explanation(finding)}"
                f"</details></td><td>{_e(top)}</td>"
                f'<td class="num">{len(finding.nodes):,}</td></tr>'
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No findings.</p>")
    parts.append("</section>")
    # groups
    parts.append(f'<section><h2>Groups ({len(view.groups)})</h2><ul id="groups">')
    for group in view.groups:
        mark = "drift" if group.drifts else "ok"
        parts.append(
            f'<li id="group-{_e(group.label)}" class="{mark}"><details data-group="'
            f'{_e(group.label)}"><summary><b>{_e(group.label)}</b> {mark} · '
            f"{len(group.nodes):,} node(s): {_e(names(group.nodes, 5))}</summary>"
            '<ol class="members"></ol><button class="more" hidden>show more</button>'
            "</details></li>"
        )
    parts.append("</ul></section>")
    parts.append('<section><h2>Find a node</h2><input id="node" type="search" ')
    parts.append('placeholder="node name"><ul id="node-results"></ul></section>')
    if view.notes:
        parts.append("<section><h2>Notes</h2><ul>")
        parts.extend(f"<li>{_e(note)}</li>" for note in view.notes)
        parts.append("</ul></section>")
    data = {"groups": {g.label: list(g.nodes) for g in view.groups}}
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    parts.append(f'<script type="application/json" id="data">{payload}</script>')
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _explanation(finding: Any) -> str:
    out = ['<div class="explanation">']
    if finding.expected is not None or finding.observed is not None:
        out.append(
            f"<p><b>expected</b> {_e(finding.expected)} · "
            f"<b>observed</b> {_e(finding.observed)}</p>"
        )
    if finding.declared_at:
        out.append(f"<p><b>declared at</b> <code>{_e(finding.declared_at)}</code></p>")
    if finding.nodes:
        out.append(f"<p><b>nodes</b> {_e(names(finding.nodes, 20))}</p>")
    if finding.causes:
        out.append("<ol class=causes>")
        for cause in finding.causes:
            evidence = "".join(f"<li>{_e(e.get('text'))}</li>" for e in cause.get("evidence", []))
            out.append(
                f"<li><b>[{_e(cause['kind'])}]</b> {_e(cause['summary'])}"
                + (f"<ul>{evidence}</ul>" if evidence else "")
                + "</li>"
            )
        out.append("</ol>")
    fix = finding.fix
    if fix:
        out.append(f"<p><b>fix</b> {_e(fix.get('summary'))}</p>")
        for key in ("values_snippet", "set_flag", "talos_patch"):
            if fix.get(key):
                out.append(f"<pre>{_e(fix[key])}</pre>")
    out.append("</div>")
    return "".join(out)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5rem 3rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:1rem 0 .3rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
#summary.bad{color:#a40e26;font-weight:600}#summary.good{color:#116329;font-weight:600}
.inputs span{margin-right:1rem;color:#57606a}.filters{position:sticky;top:0;background:#f6f8fa;
padding:.5rem;border:1px solid #d0d7de;display:flex;gap:1rem;align-items:center;z-index:2}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;white-space:nowrap}th.group.drift{background:#ffebe9}
td.name small{display:block;color:#6e7781}td.num{text-align:right}
.v-mismatch,.v-cross-check{background:#ffebe9;color:#a40e26;font-weight:600}
.v-conditional{background:#fff8c5}.v-not-observed,.v-none{color:#8c959f}
tr.drift td.name{border-left:4px solid #cf222e}.sev-error td:first-child{color:#a40e26}
.sev-warning td:first-child{color:#9a6700}summary{cursor:pointer}.explanation{margin:.4rem 0}
pre{background:#f6f8fa;padding:.4rem;overflow-x:auto}.hidden{display:none}
#groups li.drift>details>summary{color:#a40e26}.members{columns:4;font-size:.9em}
a.explain{color:inherit}.note{color:#57606a}
"""

_JS = """
(function(){
const data=JSON.parse(document.getElementById('data').textContent);
const $=s=>document.querySelector(s),$$=s=>Array.from(document.querySelectorAll(s));
const filter=$('#filter'),cause=$('#cause'),only=$('#only-drift');
function groupsOf(node){const out=[];for(const g in data.groups){if(data.groups[g].some(
 n=>n.toLowerCase().includes(node)))out.push(g)}return out}
function apply(){const q=filter.value.trim().toLowerCase(),c=cause.value,d=only.checked;
 const nodeGroups=q?groupsOf(q):[];let shown=0;
 $$('#matrix tbody tr').forEach(tr=>{const line=tr.dataset.line.toLowerCase();
  const byText=!q||line.includes(q)||tr.dataset.causes.includes(q)||
   tr.dataset.groups.split(' ').some(g=>nodeGroups.includes(g));
  const ok=byText&&(!c||tr.dataset.causes.split(' ').includes(c))
   &&(!d||tr.classList.contains('drift'));
  tr.classList.toggle('hidden',!ok);if(ok)shown++});
 $$('#findings tbody tr').forEach(tr=>{
  const t=(tr.dataset.line+' '+tr.dataset.causes).toLowerCase();
  const ok=(!q||t.includes(q)||tr.dataset.nodes.toLowerCase().split(' ').some(n=>n.includes(q)))
   &&(!c||tr.dataset.causes===c)&&(!d||!tr.classList.contains('sev-note'));
  tr.classList.toggle('hidden',!ok)});
 $('#shown').textContent=shown+' status line(s) shown'}
[filter,cause,only].forEach(e=>e.addEventListener('input',apply));apply();
$$('table.sortable th').forEach((th,i)=>th.addEventListener('click',()=>{
 const tb=th.closest('table').tBodies[0],num=th.dataset.sort==='num',asc=th.dataset.dir!=='asc';
 th.dataset.dir=asc?'asc':'desc';const rows=Array.from(tb.rows);
 const key=r=>{const t=r.cells[i]?r.cells[i].textContent.trim():'';
  return num?parseFloat(t.replace(/,/g,''))||0:t.toLowerCase()};
 rows.sort((a,b)=>{const x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*(asc?1:-1)});
 rows.forEach(r=>tb.appendChild(r))}));
$$('#groups details').forEach(det=>{let n=0;const list=det.querySelector('.members'),
 more=det.querySelector('.more'),nodes=data.groups[det.dataset.group]||[];
 function page(){nodes.slice(n,n+200).forEach(x=>{const li=document.createElement('li');
  li.textContent=x;list.appendChild(li)});n+=200;more.hidden=n>=nodes.length}
 det.addEventListener('toggle',()=>{if(det.open&&n===0)page()});more.addEventListener('click',page)});
$('#node').addEventListener('input',e=>{
 const q=e.target.value.trim().toLowerCase(),out=$('#node-results');
 out.textContent='';if(!q)return;let count=0;
 for(const g in data.groups){for(const n of data.groups[g]){
  if(!n.toLowerCase().includes(q))continue;
  if(++count>50)break;const li=document.createElement('li'),a=document.createElement('a');
  a.href='#group-'+g;a.textContent='group '+g;li.append(n+' \u2192 ',a);out.appendChild(li)}}});
document.addEventListener('click',e=>{const a=e.target.closest('a.explain');if(!a)return;
 const row=document.getElementById(a.getAttribute('href').slice(1));
 if(row){const d=row.querySelector('details');if(d)d.open=true}});
})();
"""
