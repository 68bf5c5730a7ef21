using System.Net;

namespace Ledger.Host.Auth;

/// <summary>
/// Which tokens <c>ledger serve</c> accepts. It fails closed: a tokens file, or the public demo
/// tokens when they are asked for by name (<c>--demo-tokens</c>, or the <c>demo</c> verb) and
/// every address the node listens on is loopback; anything else refuses to start.
/// </summary>
public static class ServeTokens
{
    /// <summary>The tokens <paramref name="options"/> ask for; throws <see cref="TokenFileException"/> naming the rule when there are none to serve.</summary>
    public static TokenStore Resolve(ServeOptions options)
    {
        if (options.DemoTokens && options.TokensFile is not null)
            throw new TokenFileException("--demo-tokens", "tokens-one-source", "and --tokens exclude each other; give one of them");
        if (options.DemoTokens)
        {
            if (NotLoopback(SplitUrls(options.Urls)) is { } url)
                throw DemoNotOnLoopback($"--urls has {url}");
            if (!IsLoopbackHost(options.Hostname))
                throw DemoNotOnLoopback($"--hostname (Akka remoting) is {options.Hostname}");
            return TokenStore.Demo();
        }
        if (options.TokensFile is null)
        {
            throw new TokenFileException("--tokens", "tokens-required",
                "is not given (a blank LEDGER_TOKENS counts as not given): serve needs a tokens file, --tokens FILE or LEDGER_TOKENS=FILE; " +
                "--demo-tokens serves the public demo tokens instead, on loopback addresses only");
        }
        return TokenStore.Load(options.TokensFile);
    }

    public static TokenFileException DemoNotOnLoopback(string offending) =>
        new("--demo-tokens", "demo-tokens-loopback",
            $"serves public tokens, so only where every address the node listens on is loopback (127.0.0.1, ::1, localhost); {offending}");

    /// <summary>The first of <paramref name="urls"/> that listens beyond this machine (a wildcard, another address, a name), or null.</summary>
    public static string? NotLoopback(IEnumerable<string> urls)
    {
        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                return url;
            }
            if (address.IsUnixPipe || address.IsNamedPipe || !IsLoopbackHost(address.Host)) return url;
        }
        return null;
    }

    /// <summary>127.0.0.0/8, ::1 or localhost; a wildcard (0.0.0.0, ::, *, +) or any other name is not.</summary>
    public static bool IsLoopbackHost(string? host)
    {
        if (string.IsNullOrEmpty(host)) return false;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        var bare = host is ['[', .., ']'] ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var ip) && IPAddress.IsLoopback(ip);
    }

    public static IEnumerable<string> SplitUrls(string urls) =>
        urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
