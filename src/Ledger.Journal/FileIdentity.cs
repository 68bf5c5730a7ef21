using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Ledger.Journal;

/// <summary>
/// Which file a path names: its device and inode. A file renamed away, deleted or replaced by
/// another (a copy moved in over it) leaves the path naming another identity or none, while the
/// node's open connections still write into the old file; comparing identities is how the node
/// notices. Read with Linux's <c>statx</c>, whose result has the same layout on every architecture.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const int StatxSize = 256;
    private const int Enoent = 2;
    private const int Enotdir = 20;

    public override string ToString() => $"device {Device >> 32}:{Device & 0xffffffff}, inode {Inode}";

    /// <summary>False where the operating system gives no <c>statx</c> (not Linux): the identity checks are then off.</summary>
    public static bool Supported { get; } = Probe();

    /// <summary>The identity of the file <paramref name="path"/> names now; null when there is no file there.</summary>
    /// <exception cref="IOException">The path could not be examined (permissions, I/O error).</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (see <see cref="Supported"/>).</exception>
    public static FileIdentity? Of(string path)
    {
        if (!Supported) throw new PlatformNotSupportedException("file identities need Linux's statx");
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir) return null;
            throw new IOException($"statx({path}) failed with errno {errno}");
        }
        // struct statx: stx_ino at byte 32; stx_dev_major and stx_dev_minor at 136 and 140.
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        var major = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136));
        var minor = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        return new FileIdentity(((ulong)major << 32) | minor, inode);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian) return false;
        try
        {
            _ = Statx(AtFdCwd, "/", 0, StatxIno, new byte[StatxSize]);
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // One call with a plain buffer: the marshalling source generator would need unsafe code for nothing.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SYSLIB1054
}
