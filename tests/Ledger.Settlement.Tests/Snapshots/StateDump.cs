using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Every field of an object graph as text, found by reflection (private fields and indexes
/// included), so that two states compare equal only if they hold the same values everywhere: a
/// field added to a state later is compared without anyone listing it. Collections compare as their
/// contents in a canonical order (the state keeps groups "in no set order"), except sorted sets,
/// whose order is their meaning. Comparers and delegates are behaviour, not state: left out.
/// </summary>
public static class StateDump
{
    public static string Of(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int depth)
    {
        if (depth > 32) throw new InvalidOperationException("the state graph is deeper than 32: a cycle?");
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case IFormattable f when value.GetType().IsPrimitive || value is decimal or Enum or DateOnly or DateTime or DateTimeOffset or TimeSpan:
                text.Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case bool b:
                text.Append(b ? "true" : "false");
                return;
            case Delegate:
                return;
        }
        var type = value.GetType();
        if (IsBehaviour(type)) return;
        if (value is IDictionary dictionary)
        {
            var entries = new List<string>();
            foreach (DictionaryEntry e in dictionary) entries.Add(Of(e.Key) + "=" + Of(e.Value));
            entries.Sort(StringComparer.Ordinal);
            text.Append('{').AppendJoin(", ", entries).Append('}');
            return;
        }
        if (value is IEnumerable items)
        {
            var list = new List<string>();
            foreach (var item in items) list.Add(Of(item));
            if (!IsSortedSet(type)) list.Sort(StringComparer.Ordinal);
            text.Append('[').AppendJoin(", ", list).Append(']');
            return;
        }
        text.Append(type.Name).Append('(');
        foreach (var field in FieldsOf(type))
        {
            text.Append(field.Name).Append(": ");
            Write(text, field.GetValue(value), depth + 1);
            text.Append("; ");
        }
        text.Append(')');
    }

    private static bool IsSortedSet(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SortedSet<>);

    private static bool IsBehaviour(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IComparer<>) || i.GetGenericTypeDefinition() == typeof(IEqualityComparer<>)))
        || typeof(IComparer).IsAssignableFrom(type) || typeof(IEqualityComparer).IsAssignableFrom(type);

    private static IEnumerable<FieldInfo> FieldsOf(Type type)
    {
        var fields = new List<FieldInfo>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            fields.AddRange(t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        }
        return fields.OrderBy(f => f.Name, StringComparer.Ordinal);
    }
}
