using System.Text;
using FlowLogs.SelfCheck;

namespace FlowLogs.Cli.Check;

/// <summary>The self-check as text: the verdict and its summary, then one line per check, its verdict first.</summary>
internal static class CheckText
{
    /// <summary>Renders <paramref name="report"/>.</summary>
    public static string Render(CheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(CheckReport.Word(report.Verdict)).Append(": ").AppendLine(report.Summary);
        foreach (string line in report.Lines)
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }
}
