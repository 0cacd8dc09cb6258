package io.berth.server;

import java.lang.invoke.LambdaConversionException;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Makes, in a training run, the lambdas and method-handle forms that a class list's {@code @lambda-proxy} and
 * {@code @lambda-form-invoker} records name, so that the dynamic archive written at the run's exit holds them.
 * Without them every start of berthd spun some 270 lambda classes and 220 method-handle forms in the interpreter
 * (README, "berthd's JVM").
 *
 * <p>A lambda is made as its call site would make it: {@link LambdaMetafactory#metafactory} with a lookup in the
 * calling class, so the JVM files it under the same key it looks up at run time. Lambdas called from the JDK's
 * own modules cannot be looked up from here and are skipped (the JDK's archive has its own). The forms go
 * through the JDK's hook for exactly this ({@code jdk.internal.misc.CDS}), which the training JVM must be given
 * with {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}; without it they are skipped, and the
 * archive is only less complete.
 */
final class LambdaReplay {
    static final String PROXY = "@lambda-proxy ";
    static final String INVOKER = "@lambda-form-invoker ";

    /** What a record of the class list made. */
    enum Made { LAMBDA, FORM, NOTHING }

    private final ClassLoader loader;
    private final Method traceInvoker;
    private final Method traceSpecies;

    LambdaReplay(ClassLoader loader) {
        this.loader = loader;
        Method invoker = null;
        Method species = null;
        try {
            Class<?> cds = Class.forName("jdk.internal.misc.CDS");
            if (cds.getModule().isExported(cds.getPackageName(), LambdaReplay.class.getModule())) {
                invoker = cds.getMethod("traceLambdaFormInvoker", String.class, String.class, String.class,
                        String.class);
                species = cds.getMethod("traceSpeciesType", String.class, String.class);
            }
        } catch (ReflectiveOperationException | RuntimeException notExported) {
            invoker = null;
            species = null;
        }
        this.traceInvoker = invoker;
        this.traceSpecies = species;
    }

    /** Makes what one {@code @} record of a class list names; other records (and stale ones) make nothing. */
    Made replay(String line) {
        if (line.startsWith(PROXY)) {
            return proxy(line) ? Made.LAMBDA : Made.NOTHING;
        }
        if (line.startsWith(INVOKER)) {
            return invoker(line) ? Made.FORM : Made.NOTHING;
        }
        return Made.NOTHING;
    }

    /**
     * {@code @lambda-proxy caller name invokedType samType implKind implClass implName implType instantiatedType};
     * false when the record does not fit this build's classes.
     */
    private boolean proxy(String line) {
        String[] f = line.substring(PROXY.length()).split(" ");
        if (f.length != 9) {
            return false;
        }
        try {
            Class<?> caller = Class.forName(binaryName(f[0]), false, loader);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(caller, MethodHandles.lookup());
            Class<?> implClass = Class.forName(binaryName(f[5]), false, loader);
            MethodType implType = type(f[7]);
            MethodHandle impl = switch (f[4]) {
                case "REF_invokeStatic" -> lookup.findStatic(implClass, f[6], implType);
                case "REF_invokeVirtual", "REF_invokeInterface" -> lookup.findVirtual(implClass, f[6], implType);
                case "REF_invokeSpecial" -> lookup.findSpecial(implClass, f[6], implType, caller);
                case "REF_newInvokeSpecial" -> lookup.findConstructor(implClass, implType.changeReturnType(void.class));
                default -> null;
            };
            if (impl == null) {
                return false;
            }
            LambdaMetafactory.metafactory(lookup, f[1], type(f[2]), type(f[3]), impl, type(f[8]));
            return true;
        } catch (ReflectiveOperationException | LambdaConversionException | LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** {@code @lambda-form-invoker [LF_RESOLVE] holder name type} or {@code [SPECIES_RESOLVE] class}. */
    private boolean invoker(String line) {
        if (traceInvoker == null) {
            return false;
        }
        String[] f = line.substring(INVOKER.length()).split(" ");
        try {
            if (f.length == 4 && f[0].equals("[LF_RESOLVE]")) {
                traceInvoker.invoke(null, f[0], f[1], f[2], f[3]);
                return true;
            }
            if (f.length == 2 && f[0].equals("[SPECIES_RESOLVE]")) {
                traceSpecies.invoke(null, f[0], f[1]);
                return true;
            }
            return false;
        } catch (IllegalAccessException | InvocationTargetException e) {
            return false;
        }
    }

    private MethodType type(String descriptor) {
        return MethodType.fromMethodDescriptorString(descriptor, loader);
    }

    private static String binaryName(String internal) {
        return internal.replace('/', '.');
    }
}
