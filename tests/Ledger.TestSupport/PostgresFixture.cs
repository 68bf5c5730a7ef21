using Xunit;

namespace Ledger.TestSupport;

/// <summary>
/// xunit fixture over the process-wide <see cref="PostgresServer"/>. Use it as a collection
/// fixture (declare in the test project, since xunit only finds collection definitions there):
/// <code>
/// [CollectionDefinition(PostgresFixture.Collection)]
/// public sealed class PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;;
/// </code>
/// or as a class fixture. Whichever way, one server serves the whole test process. When no
/// PostgreSQL can be had, <see cref="CreateDatabaseAsync"/> skips the test (outside CI, test marked
/// <c>[SkippableFact]</c>) or fails it (under <c>CI=true</c>), saying why.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    /// <summary>A conventional collection name for tests that share the server.</summary>
    public const string Collection = "postgres";

    private PostgresServer? _server;
    private string? _unavailableReason;

    public async Task InitializeAsync()
    {
        try
        {
            _server = await PostgresServer.GetSharedAsync().ConfigureAwait(false);
        }
        catch (PostgresUnavailableException e)
        {
            // Recorded, not thrown: a throwing fixture would fail every test without the skip-or-fail rule.
            _unavailableReason = e.Message;
        }
    }

    // The shared server outlives any one fixture; it stops when the test process exits.
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The server; skips or fails the calling test when there is none.</summary>
    public PostgresServer Server => _server ?? throw TestEnvironment.Unavailable("PostgreSQL", _unavailableReason ?? "the fixture was not initialized");

    /// <summary>A fresh database on the shared server and its connection string; skips or fails the calling test when there is no server.</summary>
    public Task<string> CreateDatabaseAsync(string prefix = "ledger_test", CancellationToken cancellationToken = default) =>
        Server.CreateDatabaseAsync(prefix, cancellationToken);
}
