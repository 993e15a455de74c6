// Draws the overview chart from the counts the page embeds in #chart's data-series attribute
// (epoch seconds and a count per minute for each series): uPlot, served by the gateway itself.
(() => {
  const target = document.getElementById('chart');
  if (!target || typeof uPlot === 'undefined') return;
  const data = JSON.parse(target.dataset.series);
  const names = ['accepted', 'dispatched', 'delivered', 'failed'];
  const colors = { accepted: '#0969da', dispatched: '#8250df', delivered: '#1a7f37', failed: '#cf222e' };
  // China time (UTC+8), 24-hour, as operators read the rest of the console.
  const chinaTime = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Shanghai');
  const minute = uPlot.fmtDate('{HH}:{mm}');
  const options = {
    width: Math.max(480, target.clientWidth),
    height: 300,
    tzDate: chinaTime,
    scales: { y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
    series: [
      { label: '时间', value: (_u, ts) => (ts == null ? '--' : minute(chinaTime(ts))) },
      ...names.map((name) => ({ label: data.labels[name], stroke: colors[name], width: 2, points: { show: false } })),
    ],
    axes: [{ values: (_u, splits) => splits.map((ts) => minute(chinaTime(ts))) }, { label: '条/分钟' }],
  };
  const chart = new uPlot(options, [data.x, ...names.map((name) => data.series[name])], target);
  target.dataset.drawn = 'true';
  window.addEventListener('resize', () => chart.setSize({ width: Math.max(480, target.clientWidth), height: 300 }));
})();
