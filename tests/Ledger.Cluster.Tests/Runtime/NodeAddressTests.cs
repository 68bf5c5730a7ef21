using System.Net;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Where a node binds and what address it gives other nodes. In a container it binds every
/// interface and advertises the name its peers dial (a pod's DNS name), and that name, not the bind
/// address, must be the one in its Akka address and in the others' seed node lists.
/// </summary>
[Collection("cluster")]
public sealed class NodeAddressTests
{
    [Fact]
    public void On_loopback_the_node_binds_and_advertises_127_0_0_1()
    {
        var config = LedgerNode.BuildConfig(new LedgerNodeOptions { Store = "memory" });

        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Fact]
    public void In_a_container_it_binds_every_interface_and_advertises_its_public_hostname_with_the_seed_nodes_as_given()
    {
        const string self = "ledger-1.ledger-headless.ledger.svc.cluster.local";
        string[] seeds =
        [
            "akka.tcp://ledger@ledger-0.ledger-headless.ledger.svc.cluster.local:4053",
            "akka.tcp://ledger@ledger-1.ledger-headless.ledger.svc.cluster.local:4053",
        ];
        var config = LedgerNode.BuildConfig(new LedgerNodeOptions { Store = "memory", Hostname = "0.0.0.0", PublicHostname = self, Port = 4053, SeedNodes = seeds });

        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(self, config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(seeds, config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void A_wildcard_bind_without_a_public_hostname_advertises_the_machine_name(string wildcard)
    {
        Assert.True(LedgerNode.IsWildcard(wildcard));
        var options = new LedgerNodeOptions { Store = "memory", Hostname = wildcard };

        Assert.Equal(Dns.GetHostName(), LedgerNode.AdvertisedHostname(options));
        Assert.Equal(Dns.GetHostName(), LedgerNode.BuildConfig(options).GetString("akka.remote.dot-netty.tcp.public-hostname"));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("ledger-0")]
    public void A_specific_bind_address_is_not_a_wildcard_and_is_advertised_as_it_is(string hostname)
    {
        Assert.False(LedgerNode.IsWildcard(hostname));
        Assert.Equal(hostname, LedgerNode.AdvertisedHostname(new LedgerNodeOptions { Hostname = hostname }));
    }

    [Fact]
    public async Task A_running_node_address_carries_the_public_hostname_rather_than_the_bind_address()
    {
        // Bound to 127.0.0.1 only; "localhost" stands for the DNS name a container would advertise.
        var options = new LedgerNodeOptions { Store = "memory", Hostname = "127.0.0.1", PublicHostname = "localhost", ResendInterval = TimeSpan.FromMilliseconds(200) };

        await using var node = await LedgerNode.StartAsync(options, null, Setup.None);

        Assert.StartsWith("akka.tcp://ledger@localhost:", node.Address, StringComparison.Ordinal);
        Assert.NotEqual(default, (await node.Ledger.ReferenceAsync(Setup.None)).BusinessDate);
    }
}
