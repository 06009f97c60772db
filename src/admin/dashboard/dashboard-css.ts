/** Styles of the admin dashboard (served as `/admin/dashboard.css`; the CSP allows no inline style). */
export const dashboardCss = `
[hidden] { display: none !important; }
:root { font-family: system-ui, sans-serif; color: #1d232b; background: #f5f6f8; }
body { margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; }
header { display: flex; align-items: baseline; gap: 1rem; }
header h1 { font-size: 1.4rem; margin: .5rem 0; }
#node { color: #5b6573; font-size: .9rem; flex: 1; }
#status { min-height: 1.2em; color: #5b6573; }
#status.error { color: #b3261e; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .75rem; }
.card { background: #fff; border-radius: 8px; padding: .75rem 1rem; box-shadow: 0 1px 2px #0002; display: flex; flex-direction: column; }
.card .label { font-size: .8rem; color: #5b6573; }
.card .value { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
section { margin-top: 1.5rem; }
h2 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
.chart { background: #fff; border-radius: 8px; box-shadow: 0 1px 2px #0002; }
.chart svg { display: block; width: 100%; height: 180px; }
.chart .axis { stroke: #c7ccd4; stroke-width: 1; }
.chart text { font-size: 10px; fill: #5b6573; }
.chart polyline { fill: none; stroke-width: 2; }
.s-received { stroke: #2f6fde; } .s-delivered { stroke: #1e9e5a; } .s-rejected { stroke: #d9480f; } .s-connections { stroke: #7048e8; }
.legend .k::before { content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .3em; border-radius: 2px; }
.legend .received::before { background: #2f6fde; } .legend .delivered::before { background: #1e9e5a; } .legend .rejected::before { background: #d9480f; }
table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 8px; box-shadow: 0 1px 2px #0002; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #eceef1; font-size: .9rem; }
td.key { font-family: ui-monospace, monospace; word-break: break-all; font-size: .8rem; }
form { margin: .6rem 0; display: flex; gap: .5rem; flex-wrap: wrap; }
input { padding: .35rem .5rem; border: 1px solid #c7ccd4; border-radius: 4px; min-width: 14rem; }
#lookup-endpoint { flex: 1; }
button { padding: .35rem .8rem; border: 0; border-radius: 4px; background: #2f6fde; color: #fff; cursor: pointer; }
button.lift, #sign-out { background: #5b6573; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: #5b6573; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
`;
