using System.CommandLine;

namespace Ledger.Host;

/// <summary>
/// The node options a container sets through its environment: <c>LEDGER_URLS</c> for <c>--urls</c>,
/// <c>LEDGER_SEED_NODES</c> for <c>--seed-nodes</c>, and so on (see <see cref="Names"/>). A variable
/// counts for a verb that has the option and whose command line does not give it: the command line
/// wins. Each value goes through the same parsing and validation as the option itself, because it
/// is handed to the parser as if it had been typed. A connection string passed this way stays out
/// of the process's argument list, where every user of the machine could read it.
/// </summary>
public static class EnvironmentArguments
{
    /// <summary>The options that may come from the environment.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "--urls", "--data-dir", "--store", "--connection", "--tokens",
        "--hostname", "--public-hostname", "--port", "--seed-nodes", "--log-format", "--log-level", "--otlp-endpoint",
    ];

    /// <summary>
    /// Options that, given on the command line, stand in for another's variable: <c>serve
    /// --demo-tokens</c> on a machine whose environment names a tokens file asks for the demo
    /// tokens, not for both.
    /// </summary>
    private static readonly Dictionary<string, string[]> GivenInstead = new()
    {
        ["--tokens"] = ["--demo-tokens"],
    };

    /// <summary>The variable of an option: <c>--seed-nodes</c> is <c>LEDGER_SEED_NODES</c>.</summary>
    public static string VariableOf(string optionName) =>
        "LEDGER_" + optionName.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// <paramref name="args"/> with, right after the verb, <c>--option value</c> for every option of
    /// that verb that has a non-empty variable and is not on the command line.
    /// </summary>
    public static string[] Apply(RootCommand root, string[] args, Func<string, string?> environment) =>
        Apply(root, args, environment, out _);

    /// <inheritdoc cref="Apply(RootCommand, string[], Func{string, string?})"/>
    /// <param name="variables">The variables that were used, to name them when the values are refused.</param>
    public static string[] Apply(RootCommand root, string[] args, Func<string, string?> environment, out IReadOnlyList<string> variables)
    {
        variables = [];
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        if (args.Length == 0) return args;
        var verb = root.Subcommands.FirstOrDefault(c => c.Name == args[0]);
        if (verb is null) return args;

        var added = new List<string>();
        var used = new List<string>();
        foreach (var option in verb.Options.Where(o => Names.Contains(o.Name)))
        {
            if (IsGiven(option.Name, args)) continue;
            if (GivenInstead.TryGetValue(option.Name, out var instead) && instead.Any(other => IsGiven(other, args))) continue;
            var variable = VariableOf(option.Name);
            var value = environment(variable);
            if (string.IsNullOrWhiteSpace(value)) continue;
            added.Add(option.Name);
            added.Add(value);
            used.Add(variable);
        }
        variables = used;
        return added.Count == 0 ? args : [args[0], .. added, .. args[1..]];
    }

    // System.CommandLine takes "--name value", "--name=value" and "--name:value". Anything after
    // "--" is an argument, not an option.
    private static bool IsGiven(string name, string[] args)
    {
        foreach (var arg in args.Skip(1))
        {
            if (arg == "--") return false;
            if (arg == name || arg.StartsWith(name + "=", StringComparison.Ordinal) || arg.StartsWith(name + ":", StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
