// The witness for Avro's single-object encoding: Java Avro's own SchemaNormalization and BinaryMessageEncoder.
//
//   java -cp "<avro jars>/*" scripts/java/SingleObjectWitness.java fingerprints schemas.json
//     prints [{"canonical": "...", "fingerprint": "<unsigned decimal>"}] for each schema of the array
//   java -cp "<avro jars>/*" scripts/java/SingleObjectWitness.java encode jobs.json
//     jobs: [{"schema": {...}, "values": ["<Avro JSON encoding>", ...]}]; prints, per job, the single-object bytes
//     BinaryMessageEncoder wrote for each value (hex) and what it wrote (GenericData's JSON text of the datum)
//   java -cp "<avro jars>/*" scripts/java/SingleObjectWitness.java bare jobs.json
//     the same, but bare Avro binary as GenericDatumWriter writes it (the interop witness)
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;

public class SingleObjectWitness {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode input = mapper.readTree(new File(args[1]));
    ArrayNode out = mapper.createArrayNode();
    if (args[0].equals("fingerprints")) {
      for (JsonNode s : input) {
        Schema schema = new Schema.Parser().parse(mapper.writeValueAsString(s));
        ObjectNode row = out.addObject();
        row.put("canonical", SchemaNormalization.toParsingForm(schema));
        row.put("fingerprint", Long.toUnsignedString(SchemaNormalization.parsingFingerprint64(schema)));
      }
    } else if (args[0].equals("encode") || args[0].equals("bare")) {
      for (JsonNode job : input) {
        Schema schema = new Schema.Parser().parse(mapper.writeValueAsString(job.get("schema")));
        GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);
        BinaryMessageEncoder<Object> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
        ObjectNode row = out.addObject();
        ArrayNode bytes = row.putArray("bytes");
        ArrayNode written = row.putArray("written");
        for (JsonNode v : job.get("values")) {
          Object datum = reader.read(null, DecoderFactory.get().jsonDecoder(schema, v.asText()));
          byte[] b;
          if (args[0].equals("bare")) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            BinaryEncoder bare = EncoderFactory.get().binaryEncoder(stream, null);
            new GenericDatumWriter<Object>(schema).write(datum, bare);
            bare.flush();
            b = stream.toByteArray();
          } else {
            ByteBuffer buffer = encoder.encode(datum);
            b = new byte[buffer.remaining()];
            buffer.get(b);
          }
          bytes.add(HexFormat.of().formatHex(b));
          written.add(GenericData.get().toString(datum));
        }
      }
    } else {
      throw new IllegalArgumentException("usage: SingleObjectWitness fingerprints|encode|bare FILE");
    }
    System.out.println(mapper.writeValueAsString(out));
  }
}
