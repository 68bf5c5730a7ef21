using System.Globalization;

namespace Ledger.Host.Tests.Support;

/// <summary>A Prometheus text exposition (what <c>GET /metrics</c> answers), read sample by sample.</summary>
public sealed class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = new();

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var brace = line.IndexOf('{');
            var space = line.LastIndexOf(' ');
            string name;
            var labels = new Dictionary<string, string>();
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                // Label values here never hold '",' (participants, rules, reasons, scope names).
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=');
                    labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                }
            }
            else
            {
                name = line[..space];
            }
            _samples.Add((name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    /// <summary>The sum of the samples of <paramref name="name"/> that carry every label given; 0 when there are none.</summary>
    public double Value(string name, params (string Label, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => _samples.Any(s => s.Name == name);
}
