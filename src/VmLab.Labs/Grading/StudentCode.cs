using System.Reflection;

namespace VmLab.Labs.Grading;

/// <summary>Finds the student's implementation of an exercise's seam in their built assembly.</summary>
internal static class StudentCode
{
    /// <summary>An instance of the one class implementing exercise's seam.</summary>
    public static object Create(Assembly assembly, Exercise exercise)
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
        // A finalizer runs on the runtime's own thread whenever a collection finds its object: student code outside
        // the call being graded, where no guard sees it (k.Abandon from there would free with the reference).
        if (types.FirstOrDefault(t => t.GetMethod("Finalize", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly, Type.EmptyTypes) is { } f
                                      && f.GetBaseDefinition() != f) is { } finalized)
            throw new GradeFailure($"{finalized.Name} declares a finalizer (~{finalized.Name}): it would run on the runtime's finalizer thread, outside the call being graded; graded code may not have one");
        var candidates = types.Where(t => t is { IsClass: true, IsAbstract: false } && seam.IsAssignableFrom(t)).ToList();
        if (candidates.Count == 0)
            throw new GradeFailure($"no class implements {seam.Name} (it belongs in {exercise.StubFile})");
        if (candidates.Count > 1)
            throw new GradeFailure($"{candidates.Count} classes implement {seam.Name} ({string.Join(", ", candidates.Select(c => c.Name))}): keep one");
        try
        {
            return Activator.CreateInstance(candidates[0])
                   ?? throw new GradeFailure($"{candidates[0].Name} could not be created");
        }
        catch (MissingMethodException e)
        {
            throw new GradeFailure($"{candidates[0].Name} could not be created: {e.Message} (it needs a public constructor without parameters)");
        }
        catch (TargetInvocationException e)
        {
            throw new GradeFailure($"{candidates[0].Name}'s constructor failed: {SeamGuard.Describe(e, assembly)}");
        }
    }
}
