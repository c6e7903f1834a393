using System.Text;
using FlowLogs.Delta;

namespace FlowLogs.Tests.Delta;

public class Pt1hFramingTests
{
    [TestCase("{\"records\":[", true)]
    [TestCase("{\r\n  \"records\": [\r\n", true)]
    [TestCase(" { \"records\" : [ ", true)]
    [TestCase("{\"records\":[{", false)]
    [TestCase("{\"record\":[", false)]
    [TestCase("", false)]
    public void RecognisesTheHeadByItsBytes(string block, bool isHead)
        => Assert.That(Pt1hFraming.IsHead(Encoding.UTF8.GetBytes(block)), Is.EqualTo(isHead));

    [TestCase("]}", true)]
    [TestCase("\r\n  ]\r\n}", true)]
    [TestCase("]} ", true)]
    [TestCase("]", false)]
    [TestCase(",{}]}", false)]
    [TestCase("", false)]
    public void RecognisesTheTailByItsBytes(string block, bool isTail)
        => Assert.That(Pt1hFraming.IsTail(Encoding.UTF8.GetBytes(block)), Is.EqualTo(isTail));
}
