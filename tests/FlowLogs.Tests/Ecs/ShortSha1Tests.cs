using System.Security.Cryptography;
using FlowLogs.Ecs;

namespace FlowLogs.Tests.Ecs;

public class ShortSha1Tests
{
    [Test]
    public void AgreesWithThePlatformForEveryLengthThatFitsOneBlock()
    {
        var random = new Random(7);
        var digest = new byte[20];
        for (int length = 0; length <= ShortSha1.MaxInputLength; length++)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                byte[] input = new byte[length];
                random.NextBytes(input);
                ShortSha1.Hash(input, digest);
#pragma warning disable CA5350 // the reference implementation
                Assert.That(digest, Is.EqualTo(SHA1.HashData(input)), $"length {length}");
#pragma warning restore CA5350
            }
        }
    }

    [Test]
    public void RefusesInputsLongerThanOneBlock()
    {
        Assert.That(() => ShortSha1.Hash(new byte[56], new byte[20]), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
