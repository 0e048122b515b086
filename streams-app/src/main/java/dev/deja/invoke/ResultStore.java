package dev.deja.invoke;

public interface ResultStore { String put(byte[] json); byte[] get(String ref); }
