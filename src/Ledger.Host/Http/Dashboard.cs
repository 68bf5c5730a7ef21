using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Ledger.Host.Http;

/// <summary>
/// The live dashboard: one page at <c>/</c> and its scripts, styles and chart library under
/// <c>/dashboard/</c>, embedded in the program (<c>wwwroot/dashboard</c>), so a node serves it from
/// any folder and nothing is fetched from elsewhere. The page holds no data: it signs in with a
/// bearer token the person types (kept in the tab's sessionStorage) and reads the public API with
/// it, so a role sees on the page exactly what the API lets it see.
/// </summary>
public static class Dashboard
{
    /// <summary>Where the page's own files are served.</summary>
    public const string AssetsPath = "/dashboard";

    /// <summary>The embedded files' resource names start with this (see the project file).</summary>
    private const string ResourcePrefix = "Ledger.Host.wwwroot.dashboard";

    /// <summary>
    /// The page may load only its own files and talk only to its own node: no inline script, no
    /// other origin, not framed by another site.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly EmbeddedFileProvider Files = new(typeof(Dashboard).Assembly, ResourcePrefix);

    public static void Map(WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = AssetsPath,
            ContentTypeProvider = ContentTypes(),
            OnPrepareResponse = context => context.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy,
        });
        app.MapGet("/", Page).ExcludeFromDescription(); // the dashboard page, not part of the API
    }

    private static IResult Page(HttpContext http)
    {
        var page = Files.GetFileInfo("index.html");
        if (!page.Exists) throw new InvalidOperationException("the dashboard's index.html is not embedded in the program");
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return Results.Stream(page.CreateReadStream(), "text/html; charset=utf-8");
    }

    private static FileExtensionContentTypeProvider ContentTypes()
    {
        var types = new FileExtensionContentTypeProvider();
        // The chart library's licence, served beside it as text.
        types.Mappings[".LICENSE"] = "text/plain; charset=utf-8";
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".css"] = "text/css; charset=utf-8";
        return types;
    }
}
