using System.CommandLine;

namespace FlowLogs.Cli;

/// <summary>Limits on an option's value, checked as the command line is parsed: a value outside them is a parse error naming the option.</summary>
internal static class OptionLimits
{
    /// <summary>Refuses a value of <paramref name="option"/> that <paramref name="accepts"/> does not, saying the option takes <paramref name="takes"/>.</summary>
    public static Option<T> Takes<T>(this Option<T> option, Func<T, bool> accepts, string takes)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(accepts);
        option.Validators.Add(result =>
        {
            if (result.Implicit)
            {
                return;
            }

            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                // The value did not parse: that error is already reported, naming the option.
                return;
            }

            if (!accepts(value))
            {
                result.AddError($"{option.Name} takes {takes}");
            }
        });
        return option;
    }
}
