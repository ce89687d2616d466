import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;

import java.io.File;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Checks PgGuard HOCON config files for deploy/test/validate.sh:
 *   java -cp <typesafe-config.jar or pgguard.jar> ConfCheck.java REFERENCE_CONF FILE...
 * Each file must parse (includes resolved relative to it) and resolve over reference.conf (environment
 * substitutions allowed to be missing). When PgGuard's own loader (io.pgguard.server.config.PgGuardConfig) is on
 * the class path it also loads each file with it, which validates every setting and the rules.
 */
public class ConfCheck {
    public static void main(String[] args) throws Exception {
        Config reference = ConfigFactory.parseFile(new File(args[0]),
                ConfigParseOptions.defaults().setAllowMissing(false));
        Method load = null;
        try {
            Class<?> loader = Class.forName("io.pgguard.server.config.PgGuardConfig");
            load = loader.getMethod("load", File.class, Map.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            System.out.println("  (PgGuardConfig not on the class path: syntax and resolution only)");
        }
        int failures = 0;
        for (int i = 1; i < args.length; i++) {
            File file = new File(args[i]);
            try {
                Config c = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
                        .withFallback(reference).resolve(ConfigResolveOptions.defaults());
                String listen = c.getString("pgguard.listen");
                String admin = c.getString("pgguard.admin.listen");
                int replica = c.getInt("pgguard.replica-id");
                String how = "parsed";
                if (load != null) {
                    load.invoke(null, file, Map.of());
                    how = "loaded by PgGuardConfig";
                }
                System.out.printf("  ok   %s (%s; listen %s, admin %s, replica-id %d%s)%n", args[i], how, listen,
                        admin, replica, c.hasPath("pgguard.peers") ? ", peers " + c.getValue("pgguard.peers").render(
                        com.typesafe.config.ConfigRenderOptions.concise()) : "");
            } catch (Exception e) {
                Throwable t = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
                System.out.printf("  FAIL %s: %s%n", args[i], t);
                failures++;
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
