using System;
using System.Collections.Generic;
using System.Text;

/// What the mono clients of the shipped contracts print: one JSON object of every answer by name
/// (a string, or a list of strings), in UTF-8, then `done`, the line a test looks for when mono
/// aborts in its teardown after Main.
public sealed class JsonOut
{
    readonly List<string> members = new List<string>();

    static string Quote(string value)
    {
        var b = new StringBuilder("\"");
        foreach (char c in value ?? "")
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c < 0x20) b.AppendFormat("\\u{0:x4}", (int)c);
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    /// A null answer is printed as an empty string.
    public void Put(string name, string value) { members.Add(Quote(name) + ":" + Quote(value)); }

    public void PutList(string name, List<string> values)
    {
        members.Add(Quote(name) + ":[" + string.Join(",", values.ConvertAll(Quote).ToArray()) + "]");
    }

    public void Print()
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        Console.WriteLine("{" + string.Join(",", members.ToArray()) + "}");
        Console.WriteLine("done");
    }
}
