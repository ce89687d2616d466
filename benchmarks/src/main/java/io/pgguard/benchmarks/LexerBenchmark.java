package io.pgguard.benchmarks;

import io.pgguard.rules.lex.StatementSplitter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The PostgreSQL lexer and statement splitter on their own ({@link StatementSplitter#split}: tokens, statement
 * boundaries, leading keywords), on the texts of {@link DecisionBenchmark}. Divide the text length by the time
 * for characters per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LexerBenchmark {

    @Param({"pgbench_select", "pgbench_update", "pgbench_insert", "join3", "insert20", "orm10k", "in500", "select120"})
    public String statement;

    private String sql;

    @Setup(Level.Trial)
    public void setUp() {
        sql = Statements.byName(statement);
    }

    @Benchmark
    public void split(Blackhole bh) {
        bh.consume(StatementSplitter.split(sql, true));
    }
}
