package io.kappa.processor;

import java.lang.reflect.Constructor;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Loads a user's processor for {@code kappa run --class C [--jar J]}: a {@link TopologyFactory}, or a raw
 * {@link Processor} over byte arrays (keys and values as stored), made anew for each task.
 */
public final class UserClasses {
    private UserClasses() {
    }

    public static Topology topology(String className, Path jar, String group, List<String> inputs, String output,
                                    Map<String, String> options) {
        Class<?> type = load(className, jar);
        if (TopologyFactory.class.isAssignableFrom(type)) {
            return ((TopologyFactory) instantiate(type)).create(group, inputs, output, options);
        }
        if (Processor.class.isAssignableFrom(type)) {
            if (!options.isEmpty()) {
                throw new IllegalArgumentException(className + " is a Processor and takes no --option; implement TopologyFactory to use options");
            }
            ProcessorSupplier<byte[], byte[], byte[], byte[]> supplier = () -> {
                @SuppressWarnings("unchecked")
                Processor<byte[], byte[], byte[], byte[]> p = (Processor<byte[], byte[], byte[], byte[]>) instantiate(type);
                return p;
            };
            instantiate(type); // fail now, not in a task, if it cannot be made
            return Topology.single(inputs, Serdes.bytes(), Serdes.bytes(), supplier, output, Serdes.bytes(), Serdes.bytes());
        }
        throw new IllegalArgumentException(className + " implements neither " + TopologyFactory.class.getName() + " nor "
            + Processor.class.getName());
    }

    private static Class<?> load(String className, Path jar) {
        ClassLoader loader = UserClasses.class.getClassLoader();
        if (jar != null) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("--jar " + jar + ": no such file");
            }
            try {
                loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, loader);
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--jar " + jar + ": " + e.getMessage());
            }
        }
        try {
            return Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class " + className + " not found" + (jar == null ? " on the class path (give --jar)" : " in " + jar));
        } catch (LinkageError e) {
            throw new IllegalArgumentException("class " + className + " cannot be loaded: " + e);
        }
    }

    private static Object instantiate(Class<?> type) {
        try {
            Constructor<?> c = type.getDeclaredConstructor();
            return c.newInstance();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " needs a public no-argument constructor");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalArgumentException(type.getName() + " cannot be created: " + cause);
        }
    }
}
