package io.kappa.cli;

import java.nio.charset.StandardCharsets;

import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;

/** A user processor for {@code kappa run --class}: upper-cases values, refuses the value "boom". */
public class UpperCaseProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    @Override
    public void process(InputRecord<byte[], byte[]> record, ProcessorContext<byte[], byte[]> context) {
        String v = new String(record.value(), StandardCharsets.UTF_8);
        if (v.equals("boom")) {
            throw new IllegalArgumentException("boom is not allowed");
        }
        context.forward(record.key(), v.toUpperCase().getBytes(StandardCharsets.UTF_8));
    }
}
