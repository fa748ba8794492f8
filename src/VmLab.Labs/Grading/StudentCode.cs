using System.Reflection;

namespace VmLab.Labs.Grading;

/// <summary>Finds the student's implementation of an exercise's seam in their built assembly.</summary>
internal static class StudentCode
{
    /// <summary>An instance of the one public class implementing exercise's seam (or of typeName when given).</summary>
    public static object Create(Assembly assembly, Exercise exercise, string? typeName)
    {
        var seam = exercise.Seam ?? throw new ArgumentException($"{exercise.Name} is not a C# exercise");
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            throw new GradeFailure($"your assembly could not be loaded: {e.LoaderExceptions.FirstOrDefault()?.Message}");
        }
        var candidates = types.Where(t => t is { IsClass: true, IsAbstract: false } && seam.IsAssignableFrom(t)
                                          && (typeName is null || t.FullName == typeName || t.Name == typeName)).ToList();
        if (candidates.Count == 0)
            throw new GradeFailure($"no class implements {seam.Name} (it belongs in {exercise.StubFile})");
        if (candidates.Count > 1)
            throw new GradeFailure($"{candidates.Count} classes implement {seam.Name} ({string.Join(", ", candidates.Select(c => c.Name))}): keep one");
        try
        {
            return Activator.CreateInstance(candidates[0])
                   ?? throw new GradeFailure($"{candidates[0].Name} could not be created");
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException)
        {
            throw new GradeFailure($"{candidates[0].Name} could not be created: {(e.InnerException ?? e).Message} (it needs a public constructor without parameters)");
        }
    }
}
