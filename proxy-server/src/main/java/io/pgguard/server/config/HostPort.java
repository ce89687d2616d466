package io.pgguard.server.config;

/** A "host:port" setting; IPv6 literals go in brackets ("[::1]:6432"). */
public record HostPort(String host, int port) {

    public static HostPort parse(String key, String text) {
        String value = text == null ? "" : text.trim();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigException(key + ": expected host:port, got \"" + value + "\"");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": port is not a number in \"" + value + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key + ": port " + port + " is out of range 0-65535");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
