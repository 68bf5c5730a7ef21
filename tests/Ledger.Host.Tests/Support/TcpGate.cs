using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ledger.Host.Tests.Support;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a server, that a test can shut like a failed network:
/// <see cref="Shut"/> resets every relayed connection and refuses new ones (accepts and resets
/// them at once), <see cref="Open"/> relays again. The port stays the same throughout.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _accepting;
    private volatile bool _shut;

    private TcpGate(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public static TcpGate Start(int targetPort) => new(targetPort);

    public void Shut()
    {
        _shut = true;
        foreach (var socket in _sockets.Keys) Reset(socket);
    }

    public void Open() => _shut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_shut) Reset(client);
            else _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                _sockets[client] = 0;
                _sockets[server] = 0;
                if (_shut) return;
                await Task.WhenAny(CopyAsync(client, server), CopyAsync(server, client));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The gate was shut or stopped, or a side went away: the other side is reset below.
            }
            finally
            {
                _sockets.TryRemove(client, out _);
                _sockets.TryRemove(server, out _);
                Reset(client);
                Reset(server);
            }
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0) return;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset or stopped: the relay ends.
        }
    }

    /// <summary>Closes with an RST, as a dead network path or a crashed server looks to the client.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Shut();
        await _accepting;
        _stop.Dispose();
    }
}
